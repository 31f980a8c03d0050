"""Who acts: a user (staff member, applicant) or the platform itself (a worker, a scheduled
job). Services take an `Actor`; the event spine records the user, or the system actor's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser


@dataclass(frozen=True)
class SystemActor:
    """The platform acting on its own: the online-check worker, the daily jobs, a reaction."""

    name: str = "系统"

    is_authenticated = False
    is_active = False
    is_superuser = False
    is_staff = False
    pk = None

    def __str__(self) -> str:
        return self.name


SYSTEM = SystemActor()

Actor: TypeAlias = AbstractBaseUser | AnonymousUser | SystemActor | None


def actor_user(actor: Actor) -> AbstractBaseUser | None:
    """The user behind an actor, or None for the system and anonymous visitors."""
    if isinstance(actor, AbstractBaseUser) and actor.is_authenticated:
        return actor
    return None


def actor_label(actor: Actor) -> str:
    user = actor_user(actor)
    if user is not None:
        return str(user)
    if isinstance(actor, SystemActor):
        return actor.name
    return "系统"
