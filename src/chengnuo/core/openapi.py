"""What every operation of /api/v1 may answer besides what its endpoint declares (R-9.2).

Some refusals come from the platform, not from one endpoint: a body that is not JSON (400
malformed_body), input that does not fit the schema (422 invalid_input), too many requests
(429 throttled), a database that stayed busy (409 busy_retry, `core.transient`) or cannot be
reached (503 database_unavailable), a body over
the limit (413 request_too_large), no or a wrong token (401). The schema lists them on every
operation they can reach, with the operation's own error body (its app's codes include the
core's), so a client — and the contract check `tools/api-contract` — knows every status it can
get. Request headers the server requires are marked required, and multipart fields are never
`null` (a form expresses "none" by leaving the field out).
"""

from __future__ import annotations

from typing import Any

from . import idempotency
from .schemas import contributed_error_codes, error_out

# header parameters the server refuses a request without, and what it checks in them
# (`core.idempotency.key_of`, ADR 0006: 1–200 printable ASCII characters, not all spaces)
REQUIRED_HEADERS = {
    idempotency.HEADER: {
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.MAX_KEY_LENGTH,
        "pattern": "^[ -~]*[!-~][ -~]*$",
    }
}

_UNSAFE = frozenset({"post", "put", "patch", "delete"})

_DESCRIPTIONS = {
    "400": "请求无效：请求体不是有效的JSON，或不符合业务规则（见 code）",
    "401": "未登录或接口令牌无效（unauthenticated）",
    "409": "与对象当前状态冲突，或系统繁忙请重试（busy_retry）",
    "413": "请求体过大（request_too_large）",
    "422": "请求参数或请求体不符合接口定义（invalid_input）",
    "429": "请求过于频繁，请稍后再试（throttled；Retry-After 给出秒数）",
    "503": "系统暂时无法办理，请稍后重试（database_unavailable；Retry-After 给出秒数）",
}

GENERIC_ERROR = "CoreErrorOut"


def _error_ref(responses: dict[str, Any]) -> str | None:
    for status, response in responses.items():
        if not status.startswith(("4", "5")):
            continue
        ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        if ref:
            return ref
    return None


def _add_generic_error(schema: dict[str, Any]) -> str:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if GENERIC_ERROR not in components:
        model = error_out("Core")
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components[GENERIC_ERROR] = body
    return f"#/components/schemas/{GENERIC_ERROR}"


def _statuses(method: str, operation: dict[str, Any]) -> list[str]:
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    statuses = ["429", "503"]
    if has_input:
        statuses += ["400", "422"]
    if "requestBody" in operation:
        statuses.append("413")
    if method in _UNSAFE:
        statuses.append("409")
    if operation.get("security"):
        statuses.append("401")
    return statuses


def _no_null_form_fields(operation: dict[str, Any]) -> None:
    form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {})
    for prop in form.get("schema", {}).get("properties", {}).values():
        options = prop.get("anyOf")
        if options and any(o.get("type") == "null" for o in options):
            kept = [o for o in options if o.get("type") != "null"]
            prop.pop("anyOf")
            if len(kept) == 1:
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
            if prop.get("default", 0) is None:
                prop.pop("default")


def _contributed_codes(schema: dict[str, Any]) -> None:
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        if name.endswith("ErrorCode") and "enum" in component:
            extra = contributed_error_codes(name.removesuffix("ErrorCode"))
            component["enum"] += [c for c in extra if c not in component["enum"]]


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Complete the generated schema in place (and return it)."""
    _contributed_codes(schema)
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            operation["responses"] = responses
            ref = _error_ref(responses) or _add_generic_error(schema)
            for status in _statuses(method, operation):
                responses.setdefault(
                    status,
                    {
                        "description": _DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": {"$ref": ref}}},
                    },
                )
            for param in operation.get("parameters", []):
                if param.get("in") == "header" and param.get("name") in REQUIRED_HEADERS:
                    param["required"] = True
                    param["schema"] = {
                        k: v for k, v in param.get("schema", {}).items() if k != "anyOf"
                    } | REQUIRED_HEADERS[param["name"]]
            _no_null_form_fields(operation)
    return schema
