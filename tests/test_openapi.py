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
    assert set(schema["components"]["securitySchemes"]) == {
        "ApiTokenAuth",
        "SessionAuthCsrf",
        "HotlineSignature",  # the 12345 platform's signed work orders
    }


def test_interactive_api_docs_load_nothing_from_a_cdn(client, db):
    """Government intranets have no internet: the Swagger UI comes from local static files."""
    import re

    body = client.get("/api/v1/docs").content.decode()
    assert "swagger" in body.lower()
    assert re.findall(r"""(?:src|href)=["']https?://""", body) == []


def _operations():
    from chengnuo.config.api import api

    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield schema, path, method, operation


def test_every_operation_lists_the_platforms_own_refusals():
    """A client learns every status it can get: throttled (429) everywhere; invalid input
    (422) and malformed bodies (400) wherever there is input; busy (409) on every write; 401
    wherever a token or session is required."""
    for _, path, method, op in _operations():
        statuses = set(op["responses"])
        assert "429" in statuses, (method, path)
        if op.get("parameters") or "requestBody" in op:
            assert {"400", "422"} <= statuses, (method, path)
        if method == "post":
            assert "409" in statuses, (method, path)
        if op.get("security"):
            assert "401" in statuses, (method, path)


def test_the_idempotency_key_is_a_required_header_where_the_server_requires_it():
    creates = {
        ("post", "/api/v1/cases"),
        ("post", "/api/v1/cases/{number}/items/{item_code}/commitment"),
        ("post", "/api/v1/cases/{number}/items/{item_code}/proofs"),
        ("post", "/api/v1/complaints/hotline"),  # the work order's number
    }
    seen = set()
    for _, path, method, op in _operations():
        for param in op.get("parameters", []):
            if param["name"] == "Idempotency-Key":
                seen.add((method, path))
                assert param["required"] is True
                assert param["schema"]["minLength"] == 1
    assert seen == creates


def test_choice_filters_list_their_choices():
    from chengnuo.cases.constants import CaseStatus

    for _, path, method, op in _operations():
        if (method, path) == ("get", "/api/v1/cases"):
            status = next(p for p in op["parameters"] if p["name"] == "status")
            assert status["schema"]["enum"] == ["", *CaseStatus.values]


def test_multipart_fields_are_never_null():
    for _, _path, _method, op in _operations():
        form = op.get("requestBody", {}).get("content", {}).get("multipart/form-data")
        if form:
            for prop in form["schema"]["properties"].values():
                assert "null" not in json.dumps(prop)


def test_codes_of_rules_other_apps_contribute_are_listed():
    """Verification's rules refuse a case's decision (verification_pending) without cases
    importing verification: its codes are in the cases' error body all the same."""
    schema = next(_operations())[0]
    assert "verification_pending" in schema["components"]["schemas"]["CasesErrorCode"]["enum"]
