"""Who may do what with the evaluation indicators (R-8.2).

- The schemes are the city's: every Justice Bureau reviewer and agency admin reads them; the
  city bureau's reviewers (and the system admin) draft new versions and put them in force.
- An evaluation covers the ordinary agencies of a region (a county bureau's) or of the whole
  city (the city bureau's). Its bureau computes, adjusts and finalises it; a reviewer reads
  the rows of the agencies it oversees (a county bureau: its region, also in a city-wide
  evaluation), nothing of another county.
- An agency admin reads its own agency's scores, read-only, once the evaluation is
  finalised."""

from __future__ import annotations

from typing import Any

from chengnuo.agencies.constants import AgencyKind, Level, Role
from chengnuo.agencies.models import Agency
from chengnuo.agencies.policies import agency_ids_with_role, is_system_admin, memberships
from chengnuo.core.actors import Actor

from .constants_indicators import EvaluationStatus
from .policies_keytasks import is_city_bureau, overseen_ids

__all__ = ["is_city_bureau", "is_system_admin", "overseen_ids"]


def manages_schemes(actor: Actor) -> bool:
    return is_system_admin(actor) or is_city_bureau(actor)


def admin_ids(actor: Actor) -> set[int]:
    return agency_ids_with_role(actor, Role.AGENCY_ADMIN)


def reads_indicators(actor: Actor) -> bool:
    return bool(manages_schemes(actor) or overseen_ids(actor) or admin_ids(actor))


def county_regions(actor: Actor) -> list[str]:
    """The regions of the county bureaus the actor is a reviewer of."""
    return sorted(
        {
            m.agency.region
            for m in memberships(actor)
            if m.role == Role.JUSTICE_REVIEWER
            and m.agency is not None
            and m.agency.kind == AgencyKind.JUSTICE_BUREAU
            and m.agency.level == Level.COUNTY
        }
    )


def evaluation_region(actor: Actor) -> str | None:
    """The scope of an evaluation the actor starts: "" (the whole city) for the city bureau
    and the system admin, a county bureau's region, None if the actor evaluates nobody."""
    if manages_schemes(actor):
        return ""
    regions = county_regions(actor)
    return regions[0] if regions else None


def may_manage(actor: Actor, evaluation: Any) -> bool:
    """Compute, adjust, finalise: the bureau the evaluation belongs to (the city bureau for
    every evaluation)."""
    if manages_schemes(actor):
        return True
    return bool(evaluation.region) and evaluation.region in county_regions(actor)


def scope_agencies(region: str) -> Any:
    """The agencies an evaluation scores: the ordinary agencies of its region (or city)."""
    rows = Agency.objects.filter(kind=AgencyKind.ORDINARY).order_by("level", "region", "name")
    return rows.filter(region=region) if region else rows


def visible_agency_ids(actor: Actor, evaluation: Any) -> set[int] | None:
    """The agencies of the evaluation whose scores the actor reads (None: all of them)."""
    if manages_schemes(actor):
        return None
    seen = set(overseen_ids(actor))
    if evaluation.status == EvaluationStatus.FINALISED:
        seen |= admin_ids(actor)
    return seen
