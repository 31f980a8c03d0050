"""`manage.py escalate_rectifications [--on YYYY-MM-DD]`: rectifications ordered for untrue
commitments whose deadline has passed without a recorded result escalate, so the officer decides
a further measure (R-4.8). Run daily from cron, next to `remind_assistance`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from chengnuo.core.management.dates import add_on_argument, on_date
from chengnuo.verification.handling import rectifications_escalate_overdue


class Command(BaseCommand):
    help = "Escalate ordered rectifications past their deadline."

    def add_arguments(self, parser: CommandParser) -> None:
        add_on_argument(parser, "check")

    def handle(self, *args, **options):
        count = rectifications_escalate_overdue(on=on_date(options))
        self.stdout.write(f"escalated {count} rectification(s)")
