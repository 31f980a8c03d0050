"""The platform's settings without the oversight counters' event handlers: the baseline of
bench/oversight_dashboard.py's case-flow comparison (never used outside the benchmark)."""

from chengnuo.config.settings import *  # noqa: F403

OVERSIGHT_COUNTERS = False
