"""Domain errors: what services raise when a rule refuses a write.

Each carries a stable machine `code` (for the API), a Chinese `message` for people, and an
optional `field`. Views turn them into form errors, the API into JSON with the same code.
"""

from __future__ import annotations

from enum import StrEnum


class CoreErrorCode(StrEnum):
    """Codes every part of the API can answer with. Each app lists its own in `<app>/errors.py`
    (registered with `register_error_codes`, shown in the OpenAPI schema)."""

    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    INVALID_INPUT = "invalid_input"
    UNAUTHENTICATED = "unauthenticated"
    BAD_REQUEST = "bad_request"
    FORBIDDEN = "forbidden"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    THROTTLED = "throttled"
    MALFORMED_BODY = "malformed_body"
    CSRF_FAILED = "csrf_failed"
    REQUEST_TOO_LARGE = "request_too_large"
    HTTP_ERROR = "http_error"
    BUSY_RETRY = "busy_retry"
    DATABASE_UNAVAILABLE = "database_unavailable"
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE = "file_type"
    FILE_UNREADABLE = "file_unreadable"
    FILE_ENCRYPTED = "file_encrypted"
    FILE_SCRIPT = "file_script"
    FILE_ATTACHMENT = "file_attachment"
    FILE_LAUNCH_ACTION = "file_launch_action"
    FILE_EXTERNAL_ACTION = "file_external_action"
    FILE_ACTIVE_CONTENT = "file_active_content"
    FILE_POLYGLOT = "file_polyglot"
    FILE_TOO_MANY_PAGES = "file_too_many_pages"
    FILE_TOO_MANY_PIXELS = "file_too_many_pixels"
    FILE_TOO_COMPLEX = "file_too_complex"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_PROGRESS = "idempotency_key_in_progress"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"


_CODES: dict[str, type[StrEnum]] = {"core": CoreErrorCode}


def register_error_codes(app_label: str, enum: type[StrEnum]) -> None:
    """An app's error codes (called from its AppConfig.ready())."""
    _CODES[app_label] = enum


def error_codes() -> dict[str, type[StrEnum]]:
    return dict(_CODES)


def is_known_code(code: str) -> bool:
    return any(code in {m.value for m in enum} for enum in _CODES.values())


class DomainError(Exception):
    status_code = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details or []

    def as_dict(self) -> dict:
        data: dict = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.details:
            data["errors"] = self.details
        return data


class NotFound(DomainError):
    """Raised for objects the actor may not see: indistinguishable from missing (404)."""

    status_code = 404

    def __init__(self, message: str = "未找到该对象或无权查看"):
        super().__init__("not_found", message)


class PermissionDenied(DomainError):
    status_code = 403

    def __init__(self, message: str = "无权执行该操作"):
        super().__init__("permission_denied", message)


class Conflict(DomainError):
    status_code = 409


class RateLimited(DomainError):
    """Too many of one action in a short time (429); the message says when to try again."""

    status_code = 429
