"""The error codes of cases (办件): the stable `code` of its refusals and of their
items (`errors[].code`), listed in the OpenAPI schema. Codes every app shares (not_found,
invalid_input …) are `core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_DECIDED = "already_decided"
    ALREADY_SIGNED = "already_signed"
    ALREADY_WITHDRAWN = "already_withdrawn"
    CASE_CONCLUDED = "case_concluded"
    COMMITMENT_NOT_ALLOWED = "commitment_not_allowed"
    COMMITMENT_SIGNED = "commitment_signed"
    COMMITMENT_WITHDRAWN = "commitment_withdrawn"
    FILE_REQUIRED = "file_required"
    INSURANCE_REQUIRED = "insurance_required"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_CHOICE = "invalid_choice"
    INVALID_DATE = "invalid_date"
    INVALID_DECISION = "invalid_decision"
    INVALID_PERIOD = "invalid_period"
    INVALID_STATE = "invalid_state"
    ITEMS_UNRESOLVED = "items_unresolved"
    MATTER_REQUIRED = "matter_required"
    NO_PUBLISHED_TEXT = "no_published_text"
    NOT_CONFIRMED = "not_confirmed"
    NOT_IN_FORCE = "not_in_force"
    ONLINE_SIGNING_ONLY = "online_signing_only"
    REASON_TOO_SHORT = "reason_too_short"
    REQUIRED = "required"
    SIGNATURE_SCAN_REQUIRED = "signature_scan_required"
    STALE_TEMPLATE = "stale_template"
    STALE_VERSION = "stale_version"
    TOO_LONG = "too_long"
    TOO_MANY_FILES = "too_many_files"
    UNRESOLVED = "unresolved"
