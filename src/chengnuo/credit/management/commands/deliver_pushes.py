"""`manage.py deliver_pushes [--loop N]`: deliver due credit pushes (R-5.2).

Run it from cron, or with ``--loop 30`` next to the worker so retries after an outage of the
credit platform happen without anyone enqueuing them."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from chengnuo.credit.push import deliver_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Deliver due credit pushes from the outbox (optionally every N seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            default=0,
            metavar="SECONDS",
            help="keep running, delivering every SECONDS seconds (0: run once)",
        )
        parser.add_argument("--limit", type=int, default=100, help="messages per round")

    def handle(self, *args, **options):
        interval: float = options["loop"]
        limit: int = options["limit"]
        while True:
            try:
                delivered = self._round(limit)
            except Exception:  # a round that fails (database restarting) is logged, not fatal
                if not interval:
                    raise
                logger.exception("credit push round failed; next round in %s s", interval)
                close_old_connections()
                delivered = 0
            if delivered or not interval:
                self.stdout.write(f"delivered {delivered} credit push(es)")
            if not interval:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return

    def _round(self, limit: int) -> int:
        total = 0
        while True:  # drain: a full batch means more may be due
            delivered = deliver_due(limit=limit)
            total += delivered
            if delivered < limit:
                return total
