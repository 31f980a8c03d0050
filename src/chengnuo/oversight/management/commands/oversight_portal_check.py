"""The daily portal check of every agency (R-8.1: 浏览政务服务网站); idempotent per day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chengnuo.oversight import services_portalchecks


class Command(BaseCommand):
    help = "浏览政务服务网站：每日检查各单位公布的内容"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="检查日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        day = dt.date.fromisoformat(options["day"]) if options.get("day") else None
        result = services_portalchecks.portal_check_all(day)
        self.stdout.write(f"checked {result['checked']} agencies, {result['failed']} failed")
