"""The error codes of agencies (机关与人员): the stable `code` of its refusals and of their
items (`errors[].code`), listed in the OpenAPI schema. Codes every app shares (not_found,
invalid_input …) are `core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    AGENCY_REQUIRED = "agency_required"
    INVALID_CHOICE = "invalid_choice"
    ROLE_NEEDS_JUSTICE_BUREAU = "role_needs_justice_bureau"
