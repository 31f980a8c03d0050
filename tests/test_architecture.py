"""The shape of the code (ADR 0009): apps react to each other's events instead of importing
each other, the core imports no app, and every error code an app answers with is listed in
its ErrorCode enum (and so in the OpenAPI schema)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from chengnuo.core.errors import CoreErrorCode, error_codes

SRC = Path(__file__).resolve().parent.parent / "src" / "chengnuo"
PACKAGES = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())


def _modules():
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        yield path.relative_to(SRC).parts[0], path, ast.parse(path.read_text(encoding="utf-8"))


def _imports() -> dict[str, dict[str, set[str]]]:
    """package → imported package → where (file:line)."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for package, path, tree in _modules():
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                if node.module == "chengnuo":
                    targets = [a.name for a in node.names]
                elif node.module.startswith("chengnuo."):
                    targets = [node.module.split(".")[1]]
            elif isinstance(node, ast.Import):
                targets = [
                    a.name.split(".")[1] for a in node.names if a.name.startswith("chengnuo.")
                ]
            for target in targets:
                if target in PACKAGES and target != package:
                    graph[package][target].add(f"{path.relative_to(SRC)}:{node.lineno}")
    return graph


def test_no_two_apps_import_each_other():
    graph = _imports()
    cycles = [
        (a, b, sorted(graph[a][b])[:3], sorted(graph[b][a])[:3])
        for a in graph
        for b in graph[a]
        if a < b and a in graph.get(b, {})
    ]
    assert cycles == []


def test_cases_import_nothing_from_verification():
    assert dict(_imports()["cases"]).get("verification", set()) == set()


def test_the_core_imports_no_app():
    assert sorted(_imports().get("core", {})) == []


# --- error codes ----------------------------------------------------------------------------

CALLS = {"DomainError": 0, "Conflict": 0, "RateLimited": 0, "FieldError": 1, "Problem": 1}


def _raised_codes() -> dict[str, dict[str, str]]:
    """package → code → where, for every literal code a refusal is built with."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for package, path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if name not in CALLS:
                continue
            index = CALLS[name]
            if len(node.args) > index and isinstance(node.args[index], ast.Constant):
                value = node.args[index].value
                if isinstance(value, str):
                    found[package][value] = f"{path.relative_to(SRC)}:{node.lineno}"
    return found


def test_every_code_an_app_refuses_with_is_in_its_error_code_enum():
    enums = error_codes()
    core = {m.value for m in CoreErrorCode}
    missing = {}
    for package, codes in _raised_codes().items():
        listed = core | {m.value for m in enums.get(package, CoreErrorCode)}
        for code, where in codes.items():
            if code not in listed:
                missing[code] = where
    assert missing == {}


def test_each_app_with_refusals_registers_its_error_codes():
    raised = {
        p for p, codes in _raised_codes().items() if set(codes) - {m.value for m in CoreErrorCode}
    }
    assert raised - {"core"} <= set(error_codes())


def test_the_openapi_schema_lists_each_apis_error_codes():
    import json

    from chengnuo.core.management.commands.export_openapi import render_schema

    schemas = json.loads(render_schema())["components"]["schemas"]
    for app in ("Catalog", "Cases", "Credit"):
        enum = set(schemas[f"{app}ErrorCode"]["enum"])
        assert {"not_found", "invalid_input"} <= enum
        own = {m.value for m in error_codes()[app.lower()]}
        assert own <= enum
