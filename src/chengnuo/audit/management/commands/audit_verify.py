"""`manage.py audit_verify [--incremental] [--chain KEY] [--no-witness]`: verify every hash
chain of the event spine (one per agency, ADR 0009) from its start, or from the point the last
run reached; then check the database's log against the newest checkpoint the witnesses hold
outside it (ADR 0012) — which is what detects the newest rows deleted, a restored old backup
or a recomputed chain. Every problem found is named; the exit status is 1 if there is one."""

from django.core.management.base import BaseCommand, CommandError

from chengnuo.audit import log_verify
from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import chain_keys, verify_one


class Command(BaseCommand):
    help = "Verify the audit hash chains and the log against the witnessed checkpoint."

    def add_arguments(self, parser):
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="start each chain and the log where the last verification ended",
        )
        parser.add_argument("--chain", action="append", default=[], help="only these chains")
        parser.add_argument(
            "--no-witness",
            action="store_true",
            help="check the log against the database's own newest checkpoint only",
        )

    def handle(self, *args, **options):
        full = not options["incremental"]
        keys = options["chain"] or chain_keys()
        found = []
        for key in keys:
            problem = verify_one(key, full=full)
            if problem is not None:
                found.append(
                    f"audit chain {problem.chain} broken at seq {problem.seq}: "
                    f"{problem.kind} — {problem.detail}"
                )
        witness = None
        source = "the database's newest checkpoint (no witness configured)"
        if not options["no_witness"]:
            try:
                witness = log_verify.witnessed_checkpoint()
            except log_verify.WitnessUnavailable as exc:
                raise CommandError(f"no witness could be asked for its checkpoint: {exc}") from exc
            if witness is not None:
                source = f"the checkpoint witnessed by {witness.source} (size {witness.size})"
        if not options["chain"]:
            for p in log_verify.verify_log(full=full, witness=witness):
                where = f" at entry {p.index}" if p.index is not None else ""
                found.append(f"log {p.kind}{where} — {p.detail}")
        if found:
            for line in found[1:]:
                self.stderr.write(line)
            raise CommandError(
                found[0] if len(found) == 1 else f"{found[0]} (+{len(found) - 1} more)"
            )
        count = AuditEvent.objects.count()
        mode = "incrementally" if options["incremental"] else "from the start"
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chains intact ({mode}): {len(keys)} chains, {count} events; "
                f"log consistent with {source}"
            )
        )
