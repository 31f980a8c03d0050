"""API authentication: bearer tokens for other systems, the session (with CSRF) for the UI."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from chengnuo.core.digest import digest_bytes


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        from .models import ApiToken

        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_digest=digest_bytes(token.encode()), revoked_at__isnull=True)
            .first()
        )
        # A token answers to neither failed password logins (throttled, never locked: a
        # stranger can cause them) nor an admin's login lock; it stops when it is revoked or
        # its user is deactivated.
        if row is None or not row.user.is_active:
            return None
        request.user = row.user
        return row.user


class SessionAuthCsrf(SessionAuth):
    """Django session, CSRF enforced for unsafe methods (ninja's default).

    Without a logged-in session there is nothing to protect: skip the CSRF check so that a
    caller with a wrong or revoked token gets 401 unauthenticated, not 403 csrf_failed."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not getattr(request, "user", None) or not request.user.is_authenticated:
            return None
        return super()._get_key(request)


STAFF_AUTH = [ApiTokenAuth(), SessionAuthCsrf()]
