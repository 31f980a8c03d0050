"""The error codes of routine supervision: the stable `code` of its refusals, listed in the
OpenAPI schema."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_COMMITTED = "already_committed"
    ALREADY_DONE = "already_done"
    DISCRIMINATORY_SELECTION = "discriminatory_selection"
    DRAW_NOT_READY = "draw_not_ready"
    EMPTY_POOL = "empty_pool"
    INVALID_FORMAT = "invalid_format"
    INVALID_ITEM = "invalid_item"
    INVALID_PERIOD = "invalid_period"
    INVALID_PLAN = "invalid_plan"
    INVALID_RATIO = "invalid_ratio"
    INVALID_RESULT = "invalid_result"
    NOT_DRAWN = "not_drawn"
    PLACEHOLDER = "placeholder"
    NOT_ENOUGH_INSPECTORS = "not_enough_inspectors"
    REASON_REQUIRED = "reason_required"
    REQUIRED = "required"
    SHARE_MISMATCH = "share_mismatch"
    SNAPSHOT_CHANGED = "snapshot_changed"
    TASK_CLOSED = "task_closed"
    TOO_LONG = "too_long"
