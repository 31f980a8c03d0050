"""What the oversight app connects at start-up: each part's event reactions and daily jobs.
One function per part, so that the parts stay in their own modules."""

from __future__ import annotations


def connect() -> None:
    pass
