from django.core.management.base import BaseCommand

from chengnuo.catalog.services import catalog_apply_due
from chengnuo.core.management.dates import add_on_argument, on_date


class Command(BaseCommand):
    help = "Apply filed catalog changes whose effective date has come (safe to run daily)."

    def add_arguments(self, parser):
        add_on_argument(parser, "apply the filed changes due")

    def handle(self, *args, **options):
        versions = catalog_apply_due(actor=None, on=on_date(options))
        for v in versions:
            self.stdout.write(f"published {v}")
        self.stdout.write(self.style.SUCCESS(f"{len(versions)} catalog version(s) published"))
