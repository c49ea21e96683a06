"""Writing and reading the audit log.

`record_change` joins the caller's transaction and never commits: the change and its
audit row are saved together or not at all. Domain services that staff call take the
acting person as an `Actor` (plain values, read from the login before the service
starts) and call it themselves, next to the change they make.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from shop.audit.models import AuditEntry
from shop.extensions import db

ENTRIES_PER_PAGE = 50
# Long text (a description, a story) is kept as its start: enough to recognise it.
TEXT_KEPT = 200


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member (their account id and email), or the command line."""

    id: int | None
    email: str

    @property
    def source(self) -> str:
        """How an order's history names this person ("staff:ann@example.com")."""
        return f"staff:{self.email}"


COMMAND_LINE = Actor(None, "command line")


def plain_value(value: Any) -> Any:
    """A value as JSON can hold it: enums by value, times as ISO text, long text shortened."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str) and len(value) > TEXT_KEPT:
        return value[:TEXT_KEPT] + "…"
    return value


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{field: (before, after)} for each field of `after` whose value differs from `before`."""
    return {name: (before.get(name), value) for name, value in after.items() if before.get(name) != value}


def record_change(actor: Actor, action: str, object_type: str, object_id: int | str, *, label: str = "",
                  changes: Mapping[str, tuple[Any, Any]] | None = None) -> AuditEntry:
    """Add one audit row to the caller's transaction (never commits)."""
    entry = AuditEntry(
        actor_id=actor.id,
        actor_email=actor.email[:320],
        action=action[:60],
        object_type=object_type[:40],
        object_id=str(object_id)[:64],
        object_label=label[:200],
        changes={name: [plain_value(old), plain_value(new)] for name, (old, new) in (changes or {}).items()},
    )
    db.session.add(entry)
    return entry


def list_entries(page: int, *, actor_email: str | None = None, object_type: str | None = None,
                 object_id: str | None = None) -> Pagination:
    """Newest first, narrowed to one person and/or one kind of object (and one object)."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if actor_email:
        query = query.where(AuditEntry.actor_email == actor_email)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    return db.paginate(query, page=page, per_page=ENTRIES_PER_PAGE, error_out=False)


def actors_in_log() -> list[str]:
    """Every email that appears in the log, for the filter."""
    return list(db.session.scalars(select(AuditEntry.actor_email).distinct().order_by(AuditEntry.actor_email)))


def object_types_in_log() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))
