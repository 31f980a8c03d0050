"""Masking of personal data for display (R-5.6): lists, exports, API and logs."""

from __future__ import annotations


def mask_identifier(value: str) -> str:
    """3412**********1234: first four and last four kept (short values keep less)."""
    if not value:
        return ""
    if len(value) <= 8:
        keep = max(1, len(value) // 4)
        return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****1234."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_person_name(value: str) -> str:
    """张*  /  欧阳** : the family name (first character) kept."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
