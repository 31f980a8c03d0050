"""`manage.py escalate_rectifications [--on YYYY-MM-DD]`: rectifications ordered for untrue
commitments whose deadline has passed without a recorded result escalate, so the officer decides
a further measure (R-4.8). Run daily from cron, next to `remind_assistance`."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chengnuo.verification.handling import rectifications_escalate_overdue


class Command(BaseCommand):
    help = "Escalate ordered rectifications past their deadline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", default="", help="the day to check as of (default: today)")

    def handle(self, *args, **options):
        on = None
        if options["on"]:
            try:
                on = date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError("--on 应为 YYYY-MM-DD 格式的日期") from exc
        count = rectifications_escalate_overdue(on=on)
        self.stdout.write(f"escalated {count} rectification(s)")
