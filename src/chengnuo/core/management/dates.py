"""The `--on YYYY-MM-DD` option of the daily commands (run from cron; `--on` replays a day)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser


def add_on_argument(parser: CommandParser, what: str) -> None:
    parser.add_argument("--on", default="", help=f"the day to {what} as of (default: today)")


def on_date(options: dict[str, Any]) -> date | None:
    if not options.get("on"):
        return None
    try:
        return date.fromisoformat(options["on"])
    except ValueError as exc:
        raise CommandError("--on 应为 YYYY-MM-DD 格式的日期") from exc
