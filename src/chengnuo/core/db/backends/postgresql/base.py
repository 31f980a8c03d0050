"""PostgreSQL with the event spine's transaction hooks (`core/db/hooks.py`)."""

from django.db.backends.postgresql import base

from chengnuo.core.db.hooks import SpineHooks


class DatabaseWrapper(SpineHooks, base.DatabaseWrapper):
    pass
