"""Reactions of routine supervision to other apps' events (core.events, ADR 0009)."""

from __future__ import annotations

from typing import Any

from chengnuo.core.actors import Actor


def list_approved_subject(*, case: Any, actor: Actor = None) -> None:
    """R-4.3: whoever is approved — by commitment or by proof — stays under routine
    supervision: the subject enters the directory of those inspected for the matter."""
    from .services import entry_from_case

    entry_from_case(case=case, actor=actor)
