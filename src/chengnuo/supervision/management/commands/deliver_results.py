"""`manage.py deliver_results [--loop N]`: deliver published inspection results to the
互联网+监管 platform (R-4.3) — `deliver_outboxes --only supervision.results`; the process that
runs in production is `deliver_outboxes --loop 30`, for every outbox."""

from __future__ import annotations

from chengnuo.core.management.commands import deliver_outboxes


class Command(deliver_outboxes.Command):
    help = "Deliver due inspection results to the internet-plus supervision platform."
    only = "supervision.results"
