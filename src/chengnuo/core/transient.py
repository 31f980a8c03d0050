"""`TransientRetryMiddleware` (ADR 0010): a request whose view failed on a deadlock, a
serialization failure or a lock timeout is re-run when nothing of it was committed; otherwise —
or when the retries are spent — it is answered 409 `busy_retry`, never 500."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .db import retry

logger = logging.getLogger(__name__)

MESSAGE = "办理的人较多，本次操作未能完成，且未保存任何内容，请稍后再试"
UNAVAILABLE_MESSAGE = "系统正在恢复，暂时无法办理，请稍后再试"
FAILED = "_chengnuo_transient"
UNAVAILABLE_RETRY_AFTER = 5


class TransientRetryMiddleware:
    def __init__(self, get_response: Any):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        attempts = retry.attempts()
        for attempt in range(1, attempts + 1):
            before = retry.commits()
            response = self.get_response(request)
            exc = getattr(response, FAILED, None)
            if exc is None:
                return response
            committed = retry.commits() != before
            if committed or attempt >= attempts:
                logger.warning(
                    "%s %s failed transiently (attempt %s, %s): %s",
                    request.method,
                    request.path,
                    attempt,
                    "after a commit" if committed else "retries spent",
                    exc,
                )
                return self.busy(request)
            logger.info("%s %s failed transiently, retrying: %s", request.method, request.path, exc)
            time.sleep(retry.backoff(attempt))
        return self.busy(request)  # pragma: no cover

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A transient failure becomes a marked response (no 500 page, no error log), which
        __call__ re-runs or turns into 409; any other exception goes on to Django."""
        if retry.is_unavailable(exception):
            logger.warning(
                "%s %s: database unavailable: %s",
                request.method,
                request.path,
                str(exception).splitlines()[0][:200] if str(exception) else type(exception),
            )
            return self.unavailable(request)
        if not retry.is_transient(exception):
            return None
        marked = HttpResponse(status=409)
        setattr(marked, FAILED, exception)
        return marked

    @staticmethod
    def unavailable(request: HttpRequest) -> HttpResponse:
        """503: the database cannot be reached; nothing of the request can have been saved
        after the failure, and an API client retries with the same Idempotency-Key."""
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"code": "database_unavailable", "message": UNAVAILABLE_MESSAGE}, status=503
            )
        else:
            try:
                response = render(
                    request, "core/busy.html", {"message": UNAVAILABLE_MESSAGE}, status=503
                )
            except Exception:  # the page itself needs the database (a session, a user)
                response = HttpResponse(
                    UNAVAILABLE_MESSAGE, status=503, content_type="text/plain; charset=utf-8"
                )
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        # logged once above as a warning: not again by django.request as an error per request
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response

    @staticmethod
    def busy(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"code": "busy_retry", "message": MESSAGE}, status=409
            )
        else:
            response = render(request, "core/busy.html", {"message": MESSAGE}, status=409)
        response["Retry-After"] = "1"
        return response
