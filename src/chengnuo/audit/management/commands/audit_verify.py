"""`manage.py audit_verify [--incremental] [--chain KEY]`: verify every hash chain of the
event spine (one per agency, ADR 0009) from its start, or from the point the last run reached;
report the first tampered, missing, reordered or truncated row."""

from django.core.management.base import BaseCommand, CommandError

from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import chain_keys, verify_one


class Command(BaseCommand):
    help = "Verify the audit hash chains; report the first tampered, missing or reordered row."

    def add_arguments(self, parser):
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="start each chain where the last verification ended (its end row re-checked)",
        )
        parser.add_argument("--chain", action="append", default=[], help="only these chains")

    def handle(self, *args, **options):
        keys = options["chain"] or chain_keys()
        for key in keys:
            problem = verify_one(key, full=not options["incremental"])
            if problem is not None:
                raise CommandError(
                    f"audit chain {problem.chain} broken at seq {problem.seq}: "
                    f"{problem.kind} — {problem.detail}"
                )
        count = AuditEvent.objects.count()
        mode = "incrementally" if options["incremental"] else "from the start"
        self.stdout.write(
            self.style.SUCCESS(f"audit chains intact ({mode}): {len(keys)} chains, {count} events")
        )
