"""How credit reacts to other apps' events (registered in `apps.py` with `core.events`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from chengnuo.agencies.models import Agency
from chengnuo.core.actors import SystemActor

from .constants import RecordKind
from .models import CreditRecord, Subject
from .services import credit_record_create

VERIFICATION = SystemActor("核查结论")


def record_commitment_kept(
    *,
    commitment: int,
    subject: int,
    agency: int,
    case_number: str,
    summary: str,
    decided_on: str,
) -> None:
    """On commit of "commitment.verified_true" (R-5.2): the commitment was kept. Idempotent —
    one record per commitment, whoever runs the reaction and however often."""
    ref = f"commitment:{commitment}"
    with transaction.atomic():
        who = Subject.objects.select_for_update().get(pk=subject)
        if CreditRecord.objects.filter(verification_ref=ref).exists():
            return
        credit_record_create(
            actor=VERIFICATION,
            subject=who,
            kind=RecordKind.COMMITMENT_KEPT,
            summary=summary,
            decided_on=dt.date.fromisoformat(decided_on),
            deciding_agency=Agency.objects.get(pk=agency),
            case_ref=case_number,
            verification_ref=ref,
        )
