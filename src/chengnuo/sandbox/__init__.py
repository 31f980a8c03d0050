"""A local stand-in for the external platforms (DESIGN §1): the same HTTP contracts with
synthetic data, so the whole flow runs on one laptop and in tests. A plain stdlib
`http.server` process; it needs no Django settings.

    python -m chengnuo.sandbox --port 8010
    python manage.py sandbox --port 8010
"""

from .server import SandboxServer, start

__all__ = ["SandboxServer", "start"]
