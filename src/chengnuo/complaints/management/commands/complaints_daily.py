"""`manage.py complaints_daily`: remind (催办) the agencies of complaints whose deadline is
near and flag those past it for the Justice Bureau's supervision order (R-8.1). Idempotent; run
by the scheduler each morning."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from chengnuo.complaints import human_check, services


class Command(BaseCommand):
    help = "Remind agencies of complaints due soon; flag overdue complaints."

    def handle(self, *args, **options):
        done = services.remind_and_flag()
        human_check.sweep()
        self.stdout.write(f"reminded {done['reminded']}, flagged overdue {done['overdue']}")
