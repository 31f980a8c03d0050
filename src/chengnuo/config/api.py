"""The JSON API at /api/v1 (R-9.2). Errors always carry a stable `code`."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from chengnuo.accounts.api_auth import ApiTokenAuth, SessionAuthCsrf
from chengnuo.core.errors import DomainError

api = NinjaAPI(
    title="chengnuo 证明事项告知承诺制平台 API",
    version="1",
    description="证明事项告知承诺制平台对外接口。错误响应均含稳定的 `code` 字段。",
    urls_namespace="api",
    auth=None,
)

STAFF_AUTH = [ApiTokenAuth(), SessionAuthCsrf()]


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status_code)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        errors.append(
            {
                "field": ".".join(loc) or "body",
                "code": err.get("type", "invalid"),
                "message": f"字段“{'.'.join(loc) or 'body'}”无效：{err.get('msg', '')}",
            }
        )
    first = errors[0] if errors else {"field": "body", "message": "请求无效"}
    return api.create_response(
        request,
        {"code": "invalid_input", "message": first["message"], "field": first["field"], "errors": errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "message": "请先登录或提供有效的接口令牌"}, status=401
    )


@api.exception_handler(Http404)
def on_404(request, exc):
    return api.create_response(
        request, {"code": "not_found", "message": "未找到该对象或无权查看"}, status=404
    )


def _register_routers() -> None:
    from chengnuo.agencies.api import router as agencies_router
    from chengnuo.catalog.api import router as catalog_router

    api.add_router("/agencies", agencies_router)
    api.add_router("/catalog", catalog_router)


_register_routers()
