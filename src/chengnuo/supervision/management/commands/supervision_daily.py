"""`manage.py supervision_daily`: publish every inspection result whose last allowed working
day has come (R-4.3, 20 working days by default) and bring the key supervision lists up to
date (R-5.3). Idempotent; run by the scheduler each morning."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from chengnuo.supervision import key_supervision, services


class Command(BaseCommand):
    help = "Publish due inspection results; refresh key supervision lists."

    def handle(self, *args, **options):
        published = services.publish_due()
        listed, removed = key_supervision.refresh()
        self.stdout.write(f"published {published} result(s); key supervision +{listed} -{removed}")
