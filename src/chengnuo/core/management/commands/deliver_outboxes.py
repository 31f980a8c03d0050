"""`manage.py deliver_outboxes [--loop N] [--only NAME]`: deliver the due rows of every outbox
to its external platform (published inspection results to 互联网+监管, answers to the 12345
hotline …; `core.outbox`). With ``--loop 30`` retries after an outage happen on their own; a
failing round (the database restarting) is logged and the loop goes on."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from chengnuo.core import outbox

logger = logging.getLogger(__name__)


def deliver_due(*, limit: int, only: str | None = None) -> int:
    return outbox.deliver_all(limit=limit, only=only)


class Command(BaseCommand):
    help = "Deliver the due rows of every outbox to its external platform."
    only: str | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS")
        parser.add_argument("--limit", type=int, default=100)
        if self.only is None:
            parser.add_argument("--only", default=None, metavar="NAME")

    def handle(self, *args, **options):
        only = self.only or options.get("only")
        if only is not None and only not in outbox.registered():
            raise CommandError(f"no outbox {only!r}; known: {', '.join(outbox.registered())}")
        interval: float = options["loop"]
        limit: int = options["limit"]
        while True:
            try:
                delivered = 0
                while True:
                    n = deliver_due(limit=limit, only=only)
                    delivered += n
                    if n < limit:
                        break
            except Exception:
                if not interval:
                    raise
                logger.exception("outbox round failed; next round in %s s", interval)
                close_old_connections()
                delivered = 0
            if delivered or not interval:
                self.stdout.write(f"delivered {delivered} row(s)")
            if not interval:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
