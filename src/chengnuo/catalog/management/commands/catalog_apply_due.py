from django.core.management.base import BaseCommand

from chengnuo.catalog.services import catalog_apply_due


class Command(BaseCommand):
    help = "Apply filed catalog changes whose effective date has come (safe to run daily)."

    def handle(self, *args, **options):
        versions = catalog_apply_due(actor=None)
        for v in versions:
            self.stdout.write(f"published {v}")
        self.stdout.write(self.style.SUCCESS(f"{len(versions)} catalog version(s) published"))
