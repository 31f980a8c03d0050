"""`manage.py remind_assistance [--on YYYY-MM-DD]`: remind requested agencies of assistance
requests due within ASSISTANCE_REMINDER_DAYS working days (R-4.7). Each open request is reminded
once (its inbox shows 即将到期, then 已超期). Run daily from cron; safe to run concurrently."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chengnuo.verification.assistance import assistance_remind_due


class Command(BaseCommand):
    help = "Remind requested agencies of assistance requests due soon or overdue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", default="", help="the day to remind as of (default: today)")

    def handle(self, *args, **options):
        on = None
        if options["on"]:
            try:
                on = date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError("--on 应为 YYYY-MM-DD 格式的日期") from exc
        count = assistance_remind_due(on=on)
        self.stdout.write(f"reminded {count} assistance request(s)")
