"""Range-partitioning the event table by year on PostgreSQL (ADR 0009).

A chain's `seq` and previous hash are per chain, so no global sequence ties the table together
and it can be split by `occurred_at`. PostgreSQL requires the partition key in every unique
constraint of a partitioned table: the primary key becomes (id, occurred_at), and uniqueness of
(chain, seq) is kept by a unique index on each year's partition (seq only grows, and the chain
head lock numbers it, so two years never share a (chain, seq)).

`partition_sql(years)` gives the statements that turn the table into a partitioned one and
copy the rows across (run them in one transaction, in a maintenance window);
`year_partition_sql(year)` adds next year's partition ahead of time. `manage.py audit_partition`
prints them for the database administrator.
"""

from __future__ import annotations

from collections.abc import Iterable

TABLE = "audit_auditevent"
OLD = f"{TABLE}_unpartitioned"
SEQUENCE = f"{TABLE}_pid_seq"
INDEXES = (
    ("target", "target_type, target_id, occurred_at"),
    ("object", "object_type, object_id, occurred_at"),
    ("actor", "actor_id, event, occurred_at"),
    ("agency", "agency_id, occurred_at"),
    ("event", "event"),
    ("hash", "hash"),
)


def year_partition_sql(year: int) -> list[str]:
    name = f"{TABLE}_{year}"
    return [
        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{year}-01-01 00:00:00+08') TO ('{year + 1}-01-01 00:00:00+08')",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {name}_chain_seq ON {name} (chain, seq)",
    ]


def partition_sql(years: Iterable[int]) -> list[str]:
    """Turn the event table into one partitioned by year (years in Asia/Shanghai), with a
    partition for each given year and a default one for anything outside them."""
    statements = [
        # deferred foreign-key checks of rows written earlier in the transaction run first
        "SET CONSTRAINTS ALL IMMEDIATE",
        f"ALTER TABLE {TABLE} RENAME TO {OLD}",
        f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING STORAGE) "
        "PARTITION BY RANGE (occurred_at)",
        f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id, occurred_at)",
        # PostgreSQL before 17 has no identity columns on partitioned tables: a sequence instead
        f"CREATE SEQUENCE {SEQUENCE} OWNED BY {TABLE}.id",
        f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{SEQUENCE}')",
    ]
    statements += [f"CREATE INDEX {TABLE}_{name}_p ON {TABLE} ({cols})" for name, cols in INDEXES]
    for year in sorted(set(years)):
        statements += year_partition_sql(year)
    statements += [
        f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT",
        f"CREATE UNIQUE INDEX {TABLE}_default_chain_seq ON {TABLE}_default (chain, seq)",
        f"INSERT INTO {TABLE} SELECT * FROM {OLD}",
        f"SELECT setval('{SEQUENCE}', COALESCE((SELECT max(id) FROM {TABLE}), 0) + 1, false)",
        f"DROP TABLE {OLD}",
    ]
    return statements
