"""Database helpers of the platform: its backends (`backends/`, with the event spine's commit
hook) and the guard internal steps use."""

from __future__ import annotations

from django.db import connection


def assert_in_transaction(what: str) -> None:
    """Internal steps change rows as part of a service: they never run on their own."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"{what} is an internal step: call it inside the service's transaction")
