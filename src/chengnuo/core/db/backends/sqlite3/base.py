"""SQLite with the event spine's transaction hooks (`core/db/hooks.py`)."""

from django.db.backends.sqlite3 import base

from chengnuo.core.db.hooks import SpineHooks


class DatabaseWrapper(SpineHooks, base.DatabaseWrapper):
    pass
