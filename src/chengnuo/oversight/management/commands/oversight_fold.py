"""Fold the counters' deltas into their totals (a daily job; idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from chengnuo.oversight import statistics


class Command(BaseCommand):
    help = "汇总督查统计数据的增量"

    def handle(self, *args: Any, **options: Any) -> None:
        n = statistics.fold()
        self.stdout.write(f"folded {n} deltas")
