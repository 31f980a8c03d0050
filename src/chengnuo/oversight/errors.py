"""The error codes of oversight: the stable `code` of its refusals, listed in the OpenAPI
schema. Codes every app shares (not_found, invalid_input …) are `core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_DONE = "already_done"
    INVALID_AGENCY = "invalid_agency"
    INVALID_MEMBER = "invalid_member"
    INVALID_PERIOD = "invalid_period"
    PLACEHOLDER = "placeholder"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
