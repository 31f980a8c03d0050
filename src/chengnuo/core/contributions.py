"""What one app shows on another app's page, without either importing the other (ADR 0009).

A page owner names a slot and what it passes; other apps register a provider for it in their
AppConfig.ready(). The case page, for instance, asks for the lines under each commitment:

    contributions.provide("case.commitment_notes", commitment_notes, key="verification")

    notes = contributions.collect(
        "case.commitment_notes", actor=actor, case=case, commitments=commitments, staff=staff
    )   # {commitment id: [Note, …]} from every provider, in key order

A provider answers for all the objects at once (one query per provider, not one per row). When
no app provides for a slot, the page simply shows nothing there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Part:
    text: str
    url: str = ""
    strong: bool = False
    css: str = ""


@dataclass(frozen=True)
class Note:
    """One line: "label：part · part · part"; `muted` for explanatory text."""

    label: str
    parts: tuple[Part, ...] = ()
    muted: bool = False


Provider = Callable[..., dict[Any, list[Note]]]
_PROVIDERS: dict[str, dict[str, Provider]] = {}


def provide(slot: str, func: Provider, *, key: str) -> None:
    _PROVIDERS.setdefault(slot, {})[key] = func


def providers(slot: str) -> list[tuple[str, Provider]]:
    return sorted(_PROVIDERS.get(slot, {}).items())


def collect(slot: str, **kwargs: Any) -> dict[Any, list[Note]]:
    out: dict[Any, list[Note]] = {}
    for _key, func in providers(slot):
        for obj_id, notes in func(**kwargs).items():
            out.setdefault(obj_id, []).extend(notes)
    return out
