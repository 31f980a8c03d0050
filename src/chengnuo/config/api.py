"""The JSON API at /api/v1 (R-9.2). Errors always carry a stable `code`."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from chengnuo.core.errors import DomainError, is_known_code


class ContractAPI(NinjaAPI):
    """The schema also lists the platform-wide refusals of every operation (`core.openapi`)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        from chengnuo.core.openapi import complete

        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return complete(schema)


api = ContractAPI(
    title="chengnuo 证明事项告知承诺制平台 API",
    version="1",
    description="证明事项告知承诺制平台对外接口。错误响应均含稳定的 `code` 字段。",
    urls_namespace="api",
    auth=None,
)


# The test suite turns this on: a refusal whose code no app lists (`<app>/errors.py`) fails.
STRICT_ERROR_CODES = False


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    if STRICT_ERROR_CODES and not is_known_code(exc.code):
        raise AssertionError(f"error code {exc.code!r} is not listed in any app's ErrorCode")
    return api.create_response(request, exc.as_dict(), status=exc.status_code)


_PARAM_SOURCES = ("body", "query", "path", "header", "cookie", "form", "file")


def _field_path(loc) -> str:
    """("body", <param>, "payload", "name") -> "payload.name"; ("query", "limit") -> "limit"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _PARAM_SOURCES:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)  # the view's parameter name: bodies are read whole into one schema
    return ".".join(parts) or "body"


# pydantic's error types → Chinese, with the error's context ({max_length}, {expected} …).
_VALIDATION_MESSAGES = {
    "missing": "为必填项",
    "missing_argument": "为必填项",
    "string_type": "应为文本",
    "string_too_short": "过短（至少{min_length}个字符）",
    "string_too_long": "过长（不超过{max_length}个字符）",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_type": "应为是或否（true/false）",
    "bool_parsing": "应为是或否（true/false）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD），不含时间",
    "datetime_type": "应为日期时间（ISO 8601）",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "datetime_from_date_parsing": "应为日期时间（ISO 8601）",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "too_short": "项数过少（至少{min_length}项）",
    "too_long": "项数过多（不超过{max_length}项）",
    "greater_than": "应大于{gt}",
    "greater_than_equal": "不得小于{ge}",
    "less_than": "应小于{lt}",
    "less_than_equal": "不得大于{le}",
    "multiple_of": "应为{multiple_of}的倍数",
    "literal_error": "只能取：{expected}",
    "enum": "只能取：{expected}",
    "json_invalid": "不是有效的JSON",
    "json_type": "不是有效的JSON",
    "extra_forbidden": "不是可接受的字段",
    "uuid_type": "应为UUID",
    "uuid_parsing": "应为UUID",
    "url_type": "应为网址",
    "url_parsing": "应为网址",
    "none_required": "应为空",
    "is_instance_of": "类型不正确",
    "union_tag_invalid": "类型不正确",
    "bytes_type": "应为文本",
    "string_unicode": "含无法识别的字符",
}


def validation_message(err: dict) -> str:
    """A pydantic error as Chinese; a ValueError raised by our own validators keeps its
    (Chinese) message."""
    kind = str(err.get("type", ""))
    if kind == "value_error":
        return str(err.get("msg", "")).removeprefix("Value error, ") or "格式不正确"
    template = _VALIDATION_MESSAGES.get(kind, "格式不正确")
    context = {
        k: str(v).replace("' or '", "、").replace(", ", "、").replace("'", "")
        for k, v in (err.get("ctx") or {}).items()
    }
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split("（")[0].split("{")[0] or "格式不正确"


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        field = _field_path(err.get("loc", ()))
        errors.append(
            {
                "field": field,
                "code": err.get("type", "invalid"),
                "message": f"“{field}”{validation_message(err)}",
            }
        )
    first = errors[0] if errors else {"field": "body", "message": "请求无效"}
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": first["message"],
            "field": first["field"],
            "errors": errors,
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "message": "请先登录或提供有效的接口令牌"}, status=401
    )


_HTTP_ERROR_CODES = {
    400: ("bad_request", "请求无效"),
    403: ("forbidden", "无权执行该操作"),
    405: ("method_not_allowed", "不支持该请求方法"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    """Ninja's own refusals (unparsable body, CSRF, throttling) get a stable code too."""
    code, message = _HTTP_ERROR_CODES.get(exc.status_code, ("http_error", "请求无法处理"))
    if exc.status_code == 400 and "parse" in exc.message:
        code, message = "malformed_body", "请求体不是有效的JSON"
    elif exc.status_code == 403 and "CSRF" in exc.message:
        code, message = "csrf_failed", "CSRF校验失败：会话方式提交须携带CSRF令牌"
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return api.create_response(
        request, {"code": "request_too_large", "message": "请求体过大"}, status=413
    )


@api.exception_handler(DatabaseError)
def on_database_error(request, exc):
    """Let Django's request handling see it: `core.transient.TransientRetryMiddleware` re-runs
    the request after a deadlock or serialization failure, or answers 409 busy_retry."""
    raise exc


@api.exception_handler(Http404)
def on_404(request, exc):
    return api.create_response(
        request, {"code": "not_found", "message": "未找到该对象或无权查看"}, status=404
    )


def _register_routers() -> None:
    from chengnuo.agencies.api import router as agencies_router
    from chengnuo.audit.api import router as log_router
    from chengnuo.cases.api import router as cases_router
    from chengnuo.catalog.api import router as catalog_router
    from chengnuo.credit.api import router as credit_router
    from chengnuo.documents.api import router as documents_router

    api.add_router("/agencies", agencies_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/documents", documents_router)
    api.add_router("/credit", credit_router)
    api.add_router("/cases", cases_router)
    api.add_router("/log", log_router)
    from django.apps import apps

    if apps.is_installed("chengnuo.supervision"):
        from chengnuo.supervision.api import router as supervision_router

        api.add_router("/supervision", supervision_router)
    if apps.is_installed("chengnuo.complaints"):
        from chengnuo.complaints.api import router as complaints_router

        api.add_router("/complaints", complaints_router)


def _register_bench_endpoints() -> None:
    """The floor of bench/case_submit.py: one authenticated insert in a transaction, nothing
    else. Only with CHENGNUO_BENCH_ENDPOINTS=true (never in production, not in the schema)."""
    import uuid

    from django.db import transaction
    from ninja import Router, Status

    from chengnuo.accounts.api_auth import STAFF_AUTH
    from chengnuo.core.models import IdempotencyRecord

    router = Router(tags=["bench"], auth=STAFF_AUTH)

    @router.post("/insert", response={201: dict}, include_in_schema=False)
    def bench_insert(request):
        with transaction.atomic():
            row = IdempotencyRecord.objects.create(
                user=request.user, scope="bench.insert", key=uuid.uuid4().hex, request_digest=""
            )
        return Status(201, {"id": row.pk})

    api.add_router("/bench", router)


_register_routers()
if settings.BENCH_ENDPOINTS:
    _register_bench_endpoints()
