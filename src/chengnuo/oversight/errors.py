"""The error codes of oversight: the stable `code` of its refusals, listed in the OpenAPI
schema. Codes every app shares (not_found, invalid_input …) are `core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_DONE = "already_done"
    EMPTY_POOL = "empty_pool"
    EVALUATION_FINALISED = "evaluation_finalised"
    INVALID_AGENCY = "invalid_agency"
    INVALID_CONCLUSION = "invalid_conclusion"
    INVALID_EVENT = "invalid_event"
    INVALID_FORMAT = "invalid_format"
    INVALID_KIND = "invalid_kind"
    INVALID_MEMBER = "invalid_member"
    INVALID_PERIOD = "invalid_period"
    INVALID_PERSON = "invalid_person"
    INVALID_POINTS = "invalid_points"
    INVALID_QUOTA = "invalid_quota"
    INVALID_SCHEME = "invalid_scheme"
    NOT_ADVERSE = "not_adverse"
    NOT_DECIDED = "not_decided"
    NOT_IN_SAMPLE = "not_in_sample"
    NOT_READY = "not_ready"
    PLACEHOLDER = "placeholder"
    REQUIRED = "required"
    SCHEME_IN_FORCE = "scheme_in_force"
    SHARE_MISMATCH = "share_mismatch"
    SNAPSHOT_CHANGED = "snapshot_changed"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    WEIGHTS_MISMATCH = "weights_mismatch"
