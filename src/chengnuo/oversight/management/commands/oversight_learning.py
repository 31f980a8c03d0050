"""Assess every certification item's verification outcomes over the period ending yesterday
and raise the suggestions they give (a daily job, R-8.1/R-7.2; idempotent for a day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chengnuo.oversight import services_learning


class Command(BaseCommand):
    help = "告知承诺事项核查结果评估（计算各证明事项的承诺不实比例并生成目录评估建议）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="按该日计算（评估期截至前一日），默认今天")

    def handle(self, *args: Any, date: str | None = None, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError("--date 须为 YYYY-MM-DD") from exc
        run = services_learning.outcomes_compute(today=today)
        self.stdout.write(
            f"assessed {run.items} items for {run.period.start}..{run.period.end}, "
            f"{run.suggestions} suggestions raised, {len(run.failed or [])} failed"
        )
