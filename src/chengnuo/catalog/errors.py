"""The error codes of catalog (证明事项目录): the stable `code` of its refusals and of their
items (`errors[].code`), listed in the OpenAPI schema. Codes every app shares (not_found,
invalid_input …) are `core.errors.CoreErrorCode`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    DIFFERENT_AGENCIES = "different_agencies"
    DUPLICATE_CODE = "duplicate_code"
    DUPLICATE_COLUMN = "duplicate_column"
    DUPLICATE_ROW = "duplicate_row"
    EMPTY_IMPORT = "empty_import"
    EXCLUDED_DOMAIN = "excluded_domain"
    IMPORT_INVALID = "import_invalid"
    INVALID_CHARACTER = "invalid_character"
    INVALID_CHOICE = "invalid_choice"
    INVALID_CODE = "invalid_code"
    INVALID_DATE = "invalid_date"
    INVALID_NOTE = "invalid_note"
    INVALID_STATE = "invalid_state"
    INVALID_TYPE = "invalid_type"
    ITEM_REMOVED = "item_removed"
    MISSING_COLUMN = "missing_column"
    MISSING_HEADER = "missing_header"
    NOT_XLSX = "not_xlsx"
    OTHER_HIGH_RISK = "other_high_risk"
    OUT_OF_RANGE = "out_of_range"
    PAST_DATE = "past_date"
    REASON_REQUIRED = "reason_required"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    TOO_MANY_ROWS = "too_many_rows"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_MATTER = "unknown_matter"
