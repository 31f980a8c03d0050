"""The error codes of credit (信用): the stable `code` of its refusals and of their
items (`errors[].code`), listed in the OpenAPI schema. Codes every app shares (not_found,
invalid_input …) are `core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    DUPLICATE_SUBJECT = "duplicate_subject"
    FALSE_COMMITMENT = "false_commitment"
    INVALID_CHECKSUM = "invalid_checksum"
    INVALID_CHOICE = "invalid_choice"
    INVALID_COMPONENT = "invalid_component"
    INVALID_FIELD = "invalid_field"
    INVALID_FORMAT = "invalid_format"
    INVALID_LENGTH = "invalid_length"
    INVALID_STATE = "invalid_state"
    KIND_MISMATCH = "kind_mismatch"
    MINIMUM_PERIOD = "minimum_period"
    NO_PLATFORM = "no_platform"
    NOT_ACTIVE = "not_active"
    NOT_DISHONESTY = "not_dishonesty"
    NOT_UNDER_COMMITMENT = "not_under_commitment"
    PLATFORM_UNAVAILABLE = "platform_unavailable"
    REPAIR_LIMIT = "repair_limit"
    REPAIR_PENDING = "repair_pending"
    REQUIRED = "required"
    REVEAL_RATE_LIMITED = "reveal_rate_limited"
    REVEAL_REASON_REQUIRED = "reveal_reason_required"
    SERIOUS_RECORD = "serious_record"
    SEVERE_RECORD = "severe_record"
    TOO_MANY_FILES = "too_many_files"
    UNDER_OBJECTION = "under_objection"
