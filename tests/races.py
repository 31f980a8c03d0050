"""Real threads against PostgreSQL: each call runs in its own thread (and connection), all
released at once by a barrier."""

from __future__ import annotations

import threading

from django.db import connection

from chengnuo.core.errors import DomainError


def race(*calls) -> tuple[list, list]:
    """Run the calls at once; (their results, the errors raised: domain refusals and, to be
    surfaced by the test's assertions, anything else)."""
    results: list = []
    errors: list = []
    barrier = threading.Barrier(len(calls))

    def run(call) -> None:
        try:
            barrier.wait(10)
            results.append(call())
        except DomainError as exc:
            errors.append(exc)
        except BaseException as exc:  # pragma: no cover - surfaced by the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive()
    return results, errors
