"""The error codes of audit (审计留痕): the stable `code` of its refusals and of their
items (`errors[].code`), listed in the OpenAPI schema. Codes every app shares (not_found,
invalid_input …) are `core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOTE_REQUIRED = "note_required"
    INVALID_PROOF_REQUEST = "invalid_proof_request"
