"""Print the SQL that range-partitions the event table by year (PostgreSQL), or the statements
that add the partition of a coming year. Nothing is run: the administrator reviews the script
and runs it in a maintenance window (`psql -1 -f`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from chengnuo.audit.partitioning import partition_sql, year_partition_sql


class Command(BaseCommand):
    help = "打印按年分区审计事件表的 SQL（PostgreSQL），或新增某年分区的 SQL"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="+", type=int, help="年份，如 2026 2027")
        parser.add_argument("--add", action="store_true", help="只新增这些年份的分区（表已分区时）")

    def handle(self, *args, years: list[int], add: bool, **options) -> None:
        statements = (
            [s for y in years for s in year_partition_sql(y)] if add else partition_sql(years)
        )
        self.stdout.write(";\n".join(statements) + ";\n")
