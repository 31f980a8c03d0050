"""Domain errors: what services raise when a rule refuses a write.

Each carries a stable machine `code` (for the API), a Chinese `message` for people, and an
optional `field`. Views turn them into form errors, the API into JSON with the same code.
"""

from __future__ import annotations


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
