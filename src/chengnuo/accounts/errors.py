"""The error codes of accounts (账号与登录): the stable `code` of its refusals and of their
items (`errors[].code`), listed in the OpenAPI schema. Codes every app shares (not_found,
invalid_input …) are `core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ACCOUNT_LOCKED = "account_locked"
    INVALID_CREDENTIALS = "invalid_credentials"
    LOGIN_THROTTLED = "login_throttled"
    REQUIRED = "required"
