"""The error codes of complaints (投诉举报): the stable `code` of its refusals and of their
items (`errors[].code`). Codes every app shares (not_found, invalid_input …) are
`core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_RATED = "already_rated"
    BAD_SIGNATURE = "bad_signature"
    CAPTCHA = "captcha"
    CONTACT_LIMIT = "contact_limit"
    EXTERNAL_REF_REUSED = "external_ref_reused"
    INVALID_AGENCY = "invalid_agency"
    INVALID_ATTACHMENT = "invalid_attachment"
    INVALID_CHANNEL = "invalid_channel"
    INVALID_COMMITMENT = "invalid_commitment"
    INVALID_FORMAT = "invalid_format"
    INVALID_ITEM = "invalid_item"
    INVALID_KIND = "invalid_kind"
    INVALID_MATTER = "invalid_matter"
    INVALID_RATING = "invalid_rating"
    NOT_ANSWERED = "not_answered"
    NOT_OVERDUE = "not_overdue"
    PLACEHOLDER = "placeholder"
    REOPEN_LIMIT = "reopen_limit"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    VERIFICATION_PENDING = "verification_pending"
    ALREADY_EXTENDED = "already_extended"
    WRONG_STATUS = "wrong_status"
