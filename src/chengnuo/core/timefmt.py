"""Times as people read them: in the platform's time zone (Asia/Shanghai), never in UTC."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`moment` (aware, stored in UTC) formatted in the current time zone; "" for None."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime(fmt)
