"""The WSGI application granian serves (one copy per worker process)."""

import os
import signal
import sys

from django.core.wsgi import get_wsgi_application


def _die_with_the_server() -> None:
    """A web worker ends when granian's main process ends, even if that one was killed outright
    (SIGKILL, the OOM killer): otherwise the orphaned workers keep serving the port beside the
    restarted server, with old code. Linux only (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux") or os.path.basename(sys.argv[0]) != "granian":
        return  # only granian's workers (forked from its main process, same argv)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl: nothing to do
        return
    if os.getppid() == 1:  # the server died before the line above: go now
        os.kill(os.getpid(), signal.SIGTERM)


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengnuo.config.settings")
_die_with_the_server()
application = get_wsgi_application()
