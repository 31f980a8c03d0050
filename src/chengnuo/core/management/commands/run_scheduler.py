"""`manage.py run_scheduler [--once] [--interval SECONDS]`: run the platform's daily jobs
(`core.schedule`) when they are due. `make run` and the systemd unit keep it running; a pass
that fails (the database restarting) is logged and the loop goes on."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from chengnuo.core import schedule

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "运行到期的每日任务（--once 只运行一轮）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument("--interval", type=float, default=30, help="seconds between passes")
        parser.add_argument("--list", action="store_true", help="list the daily jobs and exit")

    def handle(self, *args, **options) -> None:
        if options["list"]:
            for job in schedule.jobs():
                self.stdout.write(f"{job.at:%H:%M}  {job.key}  {job.command}  {job.label}")
            return
        while True:
            try:
                for key in schedule.run_due():
                    self.stdout.write(f"ran {key}")
            except Exception:
                if options["once"]:
                    raise
                logger.exception("scheduler pass failed; next pass in %s s", options["interval"])
                close_old_connections()
            if options["once"]:
                return
            time.sleep(options["interval"])
