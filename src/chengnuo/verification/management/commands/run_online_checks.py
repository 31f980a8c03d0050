"""`manage.py run_online_checks [--loop] [--interval N]`: run due online checks (R-4.5).

The worker runs a case's checks as soon as they are queued; this command picks up the retries
after a source outage (and anything whose job was lost). Run it from cron, or with ``--loop``
next to the worker (as `make run` does). Several copies may run at once: checks are leased."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from chengnuo.verification.online import run_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run due online verification checks (optionally in a loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="keep running, every --interval seconds"
        )
        parser.add_argument(
            "--interval", type=float, default=15, metavar="SECONDS", help="pause between rounds"
        )
        parser.add_argument("--limit", type=int, default=100, help="checks per batch")
        parser.add_argument(
            "--until-empty",
            action="store_true",
            help="with --loop: stop when no check is queued or retrying (benchmarks)",
        )

    def handle(self, *args, **options):
        interval: float = options["interval"]
        limit: int = options["limit"]
        while True:
            try:
                finished = self._round(limit)
            except Exception:  # a round that fails (database restarting) is logged, not fatal
                if not options["loop"]:
                    raise
                logger.exception("online-check round failed; next round in %s s", interval)
                close_old_connections()
                finished = 0
            if finished or not options["loop"]:
                self.stdout.write(f"finished {finished} online check(s)")
            if not options["loop"]:
                return
            if options["until_empty"] and not self._pending():
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return

    def _pending(self) -> bool:
        from chengnuo.verification.constants import CheckStatus
        from chengnuo.verification.models import OnlineCheck

        return OnlineCheck.objects.filter(
            status__in=(CheckStatus.QUEUED, CheckStatus.RETRYING)
        ).exists()

    def _round(self, limit: int) -> int:
        total = 0
        while True:  # drain: a full batch means more may be due
            from chengnuo.verification.online import due_ids

            if not due_ids(limit=1):
                return total
            total += run_due(limit=limit)
