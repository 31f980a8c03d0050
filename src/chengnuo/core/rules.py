"""Shared shape of rule findings: a field, a stable code and a Chinese message."""

from __future__ import annotations

from dataclasses import dataclass

# the largest primary key a URL or a body may name (PostgreSQL integer); larger is "not found"
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def raise_field_errors(errors: list[FieldError]) -> None:
    """Refuse a write with every finding: the first names the field and code, all are listed."""
    from .errors import DomainError

    if errors:
        first = errors[0]
        raise DomainError(
            first.code,
            "；".join(e.message for e in errors),
            field=first.field,
            details=[e.as_dict() for e in errors],
        )
