"""What verification shows on the case page (slot "case.commitment_notes", registered in
`apps.py`): under each commitment, its verification tasks and handling. Staff see every task
(linked for those whose task pages open); the applicant sees that the commitment is subject to
verification, each result once concluded and the handling decided — no draws, shares or
pending tasks, which would tell whether a commitment is checked at all (R-4.2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from chengnuo.core.actors import Actor
from chengnuo.core.contributions import Note, Part
from chengnuo.core.timefmt import local

from . import policies
from .constants import Outcome
from .models import Handling, VerificationTask


def _handling_note(h: Handling) -> Note:
    parts = [Part(h.get_measure_display(), strong=True), Part(h.get_status_display())]
    if h.deadline:
        parts.append(Part(f"{_('整改期限')} {h.deadline:%Y-%m-%d}"))
    return Note(_("处置"), tuple(parts))


def commitment_notes(
    *, actor: Actor, case: Any, commitments: Sequence[Any], staff: bool
) -> dict[int, list[Note]]:
    ids = [c.pk for c in commitments]
    if not ids:
        return {}
    tasks: dict[int, list[VerificationTask]] = {}
    for t in VerificationTask.objects.filter(commitment_id__in=ids).order_by("id"):
        tasks.setdefault(t.commitment_id, []).append(t)
    handlings: dict[int, list[Handling]] = {}
    for h in Handling.objects.filter(commitment_id__in=ids).order_by("id"):
        handlings.setdefault(h.commitment_id, []).append(h)
    readable = policies.readable_agency_ids(actor) if staff else set()
    linked = readable is None or case.agency_id in readable
    out: dict[int, list[Note]] = {}
    for c in commitments:
        notes: list[Note] = []
        for t in tasks.get(c.pk, []):
            if staff:
                url = reverse("verification:task", args=[t.pk]) if linked else ""
                parts = [
                    Part(t.get_method_display(), url=url),
                    Part(t.get_timing_display()),
                    Part(t.get_status_display()),
                ]
                if t.outcome:
                    parts.append(
                        Part(
                            t.get_outcome_display(),
                            strong=True,
                            css=f"outcome outcome-{t.outcome}",
                        )
                    )
                else:
                    parts.append(Part(f"{_('期限')} {t.due_date:%Y-%m-%d}"))
                notes.append(Note(_("核查"), tuple(parts)))
            elif t.outcome in (Outcome.CONSISTENT, Outcome.INCONSISTENT):
                parts = [
                    Part(t.get_outcome_display(), strong=True, css=f"outcome outcome-{t.outcome}")
                ]
                if t.concluded_at:
                    parts.append(Part(local(t.concluded_at, "%Y-%m-%d")))
                notes.append(Note(_("核查结果"), tuple(parts)))
        notes += [_handling_note(h) for h in handlings.get(c.pk, [])]
        if not staff and c.status == "signed":
            notes.insert(
                0,
                Note(
                    "",
                    (Part(_("本承诺接受行政机关依法核查；核查完成后在此显示结果。")),),
                    muted=True,
                ),
            )
        if notes:
            out[c.pk] = notes
    return out
