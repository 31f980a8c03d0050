"""The platform's user model behind an actor (`chengnuo.core.actors`): services that store who
acted in a foreign key take `User` when only a person may act, or an `Actor` and `user_of`."""

from __future__ import annotations

from chengnuo.core.actors import Actor, actor_user
from chengnuo.core.errors import PermissionDenied

from .models import User


def user_of(actor: Actor) -> User | None:
    """The signed-in user behind an actor; None for the system and anonymous visitors."""
    user = actor_user(actor)
    return user if isinstance(user, User) else None


def person_of(actor: Actor) -> User:
    """The signed-in user behind an actor, for an act only a person can do (sign, decide,
    submit): the system or an anonymous visitor is refused."""
    user = user_of(actor)
    if user is None:
        raise PermissionDenied("该操作须由登录用户办理")
    return user
