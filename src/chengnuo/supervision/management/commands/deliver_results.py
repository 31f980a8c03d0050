"""`manage.py deliver_results [--loop N]`: deliver published inspection results to the
互联网+监管 platform (R-4.3); with ``--loop 30`` retries after an outage happen on their own."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from chengnuo.supervision.push import deliver_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Deliver due inspection results to the internet-plus supervision platform."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS")
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args, **options):
        interval: float = options["loop"]
        while True:
            try:
                delivered = 0
                while True:
                    n = deliver_due(limit=options["limit"])
                    delivered += n
                    if n < options["limit"]:
                        break
            except Exception:  # a failing round (database restarting) is logged, not fatal
                if not interval:
                    raise
                logger.exception("result push round failed; next round in %s s", interval)
                close_old_connections()
                delivered = 0
            if delivered or not interval:
                self.stdout.write(f"delivered {delivered} result(s)")
            if not interval:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
