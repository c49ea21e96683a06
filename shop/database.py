"""The declarative base, and column types every domain shares."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, types
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can drop or alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(types.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no time zones and hands back naive datetimes; PostgreSQL hands back
    aware ones. Storing naive UTC and re-attaching UTC on the way out makes the two
    behave the same, so comparisons never mix naive and aware values.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use shop.database.utcnow()")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def begin_write() -> None:
    """Start a use case's transaction as a writer.

    Ends whatever read-only transaction the request had open, then begins anew. On
    SQLite the new transaction is BEGIN IMMEDIATE: it takes the write lock up front, so
    a read-then-write waits its turn (busy timeout) instead of failing with "database
    is locked" when another writer committed in between. PostgreSQL needs nothing: its
    use cases lock the rows they change (SELECT ... FOR UPDATE, conditional UPDATEs).
    """
    from shop.extensions import db

    db.session.rollback()
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})
