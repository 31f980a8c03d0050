"""Recompute every counter of the rollout at a glance from the source tables (R-8.1): for an
existing deployment, or with --check as the proof that the incremental counters are right."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chengnuo.oversight import statistics


class Command(BaseCommand):
    help = "重新计算督查统计数据（--check 只比较，不写入）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="只比较现有统计与重新计算的结果")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        if check:
            diffs = statistics.differences()
            for (agency, month, measure), kept, again in diffs[:50]:
                self.stdout.write(f"{agency} {month:%Y-%m} {measure}: {kept} != {again}")
            if diffs:
                raise CommandError(f"{len(diffs)} counters differ from the source tables")
            self.stdout.write("counters match the source tables")
            return
        n = statistics.rebuild()
        self.stdout.write(f"rebuilt {n} counters")
