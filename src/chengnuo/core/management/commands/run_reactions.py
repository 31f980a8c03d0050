"""`manage.py run_reactions [--loop SECONDS]`: run the on-commit reactions that are due
(never run, e.g. after a worker was killed, or failed and waiting for their retry)."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from chengnuo.core.reactions import run_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run due on-commit reactions; with --loop, keep running every N seconds."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="seconds between passes")

    def handle(self, *args, **options):
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
