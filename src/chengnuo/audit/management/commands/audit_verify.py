from django.core.management.base import BaseCommand, CommandError

from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit hash chain; report the first tampered, missing or reordered row."

    def handle(self, *args, **options):
        problem = verify_chain()
        if problem is None:
            count = AuditEvent.objects.count()
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {count} events"))
            return
        raise CommandError(
            f"audit chain broken at seq {problem.seq}: {problem.kind} — {problem.detail}"
        )
