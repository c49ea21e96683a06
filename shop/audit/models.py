"""One row per staff change, written in the same transaction as the change itself."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.database import UTCDateTime, utcnow
from shop.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who: plain values, not a foreign key, so the log outlives any change to the account
    # and this package needs nothing from the accounts package above it.
    actor_id: Mapped[int | None]
    actor_email: Mapped[str] = mapped_column(String(320), index=True)
    action: Mapped[str] = mapped_column(String(60))  # "product.updated", "order.shipped", ...
    object_type: Mapped[str] = mapped_column(String(40))  # "product", "order", "story", "staff"
    object_id: Mapped[str] = mapped_column(String(64))  # a row id or an order number
    object_label: Mapped[str] = mapped_column(String(200), default="")  # what staff call it: a name
    # {field: [before, after]} for the fields that changed (JSON has no tuples).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
