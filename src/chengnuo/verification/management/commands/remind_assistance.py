"""`manage.py remind_assistance [--on YYYY-MM-DD]`: remind requested agencies of assistance
requests due within ASSISTANCE_REMINDER_DAYS working days (R-4.7). Each open request is reminded
once (its inbox shows 即将到期, then 已超期). Run daily from cron; safe to run concurrently."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from chengnuo.core.management.dates import add_on_argument, on_date
from chengnuo.verification.assistance import assistance_remind_due


class Command(BaseCommand):
    help = "Remind requested agencies of assistance requests due soon or overdue."

    def add_arguments(self, parser: CommandParser) -> None:
        add_on_argument(parser, "remind")

    def handle(self, *args, **options):
        count = assistance_remind_due(on=on_date(options))
        self.stdout.write(f"reminded {count} assistance request(s)")
