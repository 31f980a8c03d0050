"""Who sees the rollout at a glance (R-8.1): the Justice Bureau's reviewers — a city bureau's
every agency, a county bureau's the agencies of its region — and the system admin. Everyone
else is refused (403); an agency outside the reviewer's scope is not found (404)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from chengnuo.agencies.policies import is_system_admin, reviewable_agency_ids
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound, PermissionDenied


def overseen_agency_ids(user: Actor) -> set[int] | None:
    """The agencies whose figures the user reads (None: all)."""
    if is_system_admin(user):
        return None
    return reviewable_agency_ids(user)


def require_overseer(user: Actor) -> set[int] | None:
    ids = overseen_agency_ids(user)
    if ids is not None and not ids:
        raise PermissionDenied(_("推进情况总览只对司法局审核人员开放"))
    return ids


def require_agency(user: Actor, agency_id: int) -> set[int] | None:
    ids = require_overseer(user)
    if ids is not None and agency_id not in ids:
        raise NotFound()
    return ids
