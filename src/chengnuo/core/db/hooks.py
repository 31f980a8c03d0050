"""The transaction hooks of the platform's database backends (ADR 0009).

Django has no "just before COMMIT" hook; the event spine needs one, so that the chain heads are
locked as the last thing a transaction waits for. `SpineHooks` wraps the backend's commit,
savepoint and rollback methods:

- `commit()`: hand the queued events to the event store (`core.spine.flush`), then COMMIT. A failure
  to append is a DatabaseError, and Django's `atomic` rolls the transaction back.
- `savepoint_commit(sid)` directly inside a TestCase transaction (which never commits): the
  same append, so tests see the events of the service they called.
- `savepoint_rollback(sid)` / `rollback()`: drop the events queued in what was rolled back.
- commits are counted (`chengnuo_commits`), for `core.db.retry`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    _Base = BaseDatabaseWrapper
else:
    _Base = object


def _flush(conn) -> None:
    from chengnuo.core.spine import flush

    flush(conn)


def _discard(conn, sid=None) -> None:
    from chengnuo.core.spine import discard

    discard(conn, sid)


class SpineHooks(_Base):
    def commit(self):
        _flush(self)
        super().commit()
        # how many transactions this connection committed: a unit of work that failed
        # transiently may be re-run only if it committed nothing (core.db.retry)
        self.chengnuo_commits = getattr(self, "chengnuo_commits", 0) + 1

    def savepoint_commit(self, sid):
        if self.atomic_blocks and getattr(self.atomic_blocks[-1], "_from_testcase", False):
            _flush(self)
        super().savepoint_commit(sid)

    def savepoint_rollback(self, sid):
        super().savepoint_rollback(sid)
        _discard(self, sid)

    def rollback(self):
        _discard(self)
        super().rollback()

    def close(self):
        _discard(self)
        super().close()
