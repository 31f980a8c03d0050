"""`manage.py run_reactions [--loop SECONDS]`: run the on-commit reactions that are due
(never run, e.g. after a worker was killed, or failed and waiting for their retry).

`--retry ID …` / `--retry-failed`: give reactions that were left for an operator after their
last attempt (admin: 事件后续处理, 转人工处理时间) a new round, once the cause is mended."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from chengnuo.core import reactions
from chengnuo.core.reactions import run_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run due on-commit reactions; with --loop, keep running every N seconds."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="seconds between passes")
        parser.add_argument("--retry", type=int, nargs="+", metavar="ID", help="retry these")
        parser.add_argument(
            "--retry-failed", action="store_true", help="retry every reaction left for an operator"
        )

    def handle(self, *args, **options):
        if options["retry"] or options["retry_failed"]:
            n = reactions.requeue(options["retry"] if options["retry"] else None)
            logger.warning("%s reaction(s) given a new round of attempts by an operator", n)
            self.stdout.write(f"{n} reaction(s) queued again")
        interval = options["loop"]
        while True:
            try:
                done = run_due()
                if done or not interval:
                    self.stdout.write(f"{done} reaction(s) run")
            except Exception:  # a pass that fails (database restarting) is logged, not fatal
                logger.exception("run_reactions pass failed")
                if not interval:
                    raise
            if not interval:
                return
            time.sleep(interval)
