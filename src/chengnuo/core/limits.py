"""Request size limits applied before the body is read: a request whose Content-Length exceeds
the limit is answered 413 at once — a Chinese page, or the API's error body under /api/ — and
nothing reads, parses or stores its body. The limit is `MAX_REQUEST_BYTES` (a bit above the
largest single upload); the pages whose form carries several files have their own, larger one
(`MAX_REQUEST_BYTES_BY_VIEW`, by URL name). The reverse proxy in front applies the same limits
(docs/deploy/nginx.conf), so most such requests never reach the application.

A body sent without Content-Length (chunked) is read as empty by Django's WSGI handler, so it
cannot get around the limit."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

_PAGE = """<!doctype html>
<html lang="zh-hans"><head><meta charset="utf-8"><title>提交的内容过大</title>
<link rel="stylesheet" href="{static}chengnuo/site.css"></head>
<body><main class="wrap"><h1>提交的内容过大，未被接收</h1>
<p>本次提交的内容超过{limit}，系统没有接收，也没有保存任何内容。</p>
<p>请减少一次上传的文件数量，或将文件压缩、缩小后分次上传（每个文件的大小限制见上传页面的说明）。</p>
<p><a href="/">返回首页</a></p></main></body></html>
"""


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def request_limit(request: HttpRequest) -> int:
    """The largest body (bytes) this request may carry."""
    limit = int(settings.MAX_REQUEST_BYTES)
    by_view: dict[str, int] = getattr(settings, "MAX_REQUEST_BYTES_BY_VIEW", {})
    if by_view:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return limit
        limit = max(limit, int(by_view.get(match.view_name, 0)))
    return limit


def content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django reads an unparsable length as an empty body


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"code": "request_too_large", "message": f"请求体过大：不得超过{_mb(limit)}"},
            status=413,
            json_dumps_params={"ensure_ascii": False},
        )
    page = _PAGE.format(static=escape(settings.STATIC_URL), limit=_mb(limit))
    return HttpResponse(page, status=413, content_type="text/html; charset=utf-8")


class RequestSizeLimitMiddleware:
    """413 for a request whose declared body is larger than its limit, without reading it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = content_length(request)
        # the URL is only resolved for a body above the general limit
        if length > int(settings.MAX_REQUEST_BYTES):
            limit = request_limit(request)
            if length > limit:
                return too_large(request, limit)
        return self.get_response(request)
