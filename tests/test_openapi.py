"""The committed OpenAPI schema (docs/openapi.json) is what the code serves (R-9.2)."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from chengnuo.core.management.commands.export_openapi import render_schema, schema_path

REGENERATE = "run `python manage.py export_openapi` and commit docs/openapi.json"


def test_committed_openapi_schema_is_up_to_date():
    path = schema_path()
    if not path.exists():
        pytest.fail(f"docs/openapi.json is missing: {REGENERATE}")
    if path.read_text(encoding="utf-8") != render_schema():
        pytest.fail(f"docs/openapi.json is stale (the API changed): {REGENERATE}")


def test_export_writes_the_schema_and_check_passes(tmp_path, settings):
    settings.PROJECT_DIR = tmp_path

    call_command("export_openapi")
    call_command("export_openapi", "--check")

    written = (tmp_path / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert written == render_schema()
    assert written.endswith("}\n")
    assert "证明事项" in written  # Chinese is kept, not \\u-escaped


def test_check_fails_when_the_committed_schema_differs(tmp_path, settings):
    settings.PROJECT_DIR = tmp_path
    call_command("export_openapi")
    path = tmp_path / "docs" / "openapi.json"
    path.write_text(path.read_text(encoding="utf-8").replace("catalog", "katalog"), "utf-8")

    with pytest.raises(CommandError, match="export_openapi"):
        call_command("export_openapi", "--check")


def test_check_fails_when_the_schema_is_missing(tmp_path, settings):
    settings.PROJECT_DIR = tmp_path

    with pytest.raises(CommandError):
        call_command("export_openapi", "--check")


def test_every_catalog_operation_documents_its_errors_and_staff_ones_their_auth():
    schema = json.loads(render_schema())
    error_ref = "#/components/schemas/CatalogErrorOut"
    operations = [
        (path, method, op)
        for path, methods in schema["paths"].items()
        if path.startswith("/api/v1/catalog/")
        for method, op in methods.items()
    ]
    assert len(operations) == 14
    for path, method, op in operations:
        errors = {code: r for code, r in op["responses"].items() if code.startswith(("4", "5"))}
        assert errors, f"{method} {path} documents no error response"
        for response in errors.values():
            assert response["content"]["application/json"]["schema"]["$ref"] == error_ref
        staff = "/proposals" in path or method == "post"
        assert bool(op.get("security")) == staff, f"{method} {path}"
    assert set(schema["components"]["securitySchemes"]) == {"ApiTokenAuth", "SessionAuthCsrf"}


def test_interactive_api_docs_load_nothing_from_a_cdn(client, db):
    """Government intranets have no internet: the Swagger UI comes from local static files."""
    import re

    body = client.get("/api/v1/docs").content.decode()
    assert "swagger" in body.lower()
    assert re.findall(r"""(?:src|href)=["']https?://""", body) == []
