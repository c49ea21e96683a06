"""The database as every domain uses it: column types, the writer's transaction, and the
per-connection setup of SQLite (WAL, foreign keys, BEGIN IMMEDIATE, the search index).

`init_database(app)` is called once by `create_app()`; nothing here imports a domain.
"""
from __future__ import annotations

import enum
import os
import re
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from flask import Flask
from psycopg import errors as psycopg_errors
from psycopg import pq
from psycopg.adapt import Transformer
from sqlalchemy import DateTime, Enum, String, create_engine, event, literal_column, text, types
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import ColumnElement, Executable
from sqlalchemy.sql.functions import FunctionElement

from shop.extensions import db


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


def enum_column(cls: type[enum.Enum], length: int = 20) -> Enum:
    """A Python enum stored as its values in a VARCHAR with a CHECK, the same on both
    databases (no native PostgreSQL enum type for migrations to alter)."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e],
                validate_strings=True)


class hour_of(FunctionElement[str]):
    """The UTC hour a timestamp falls in, as text 'YYYY-MM-DD HH:00:00' on both databases:
    reports group by it in SQL (a bounded number of rows) and turn hours into the shop's own
    local days in Python, which SQLite could not do with named time zones."""

    type = String()
    inherit_cache = True


@compiles(hour_of, "sqlite")
def _hour_of_sqlite(element, compiler, **kw) -> str:
    return f"strftime('%Y-%m-%d %H:00:00', {compiler.process(element.clauses, **kw)})"


@compiles(hour_of, "postgresql")
def _hour_of_postgresql(element, compiler, **kw) -> str:
    return f"to_char(date_trunc('hour', {compiler.process(element.clauses, **kw)}), 'YYYY-MM-DD HH24:00:00')"


def parse_hour(text_value: str) -> datetime:
    return datetime.strptime(text_value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


def begin_write() -> None:
    """Start a use case's transaction as a writer.

    Ends whatever read-only transaction the request had open, then begins anew. On
    SQLite the new transaction is BEGIN IMMEDIATE: it takes the write lock up front, so
    a read-then-write waits its turn (busy timeout) instead of failing with "database
    is locked" when another writer committed in between. PostgreSQL needs nothing: its
    use cases lock the rows they change (SELECT ... FOR UPDATE, conditional UPDATEs).
    """
    db.session.rollback()
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})


@contextmanager
def write_transaction() -> Iterator[None]:
    """One use case's writes: begun as a writer (begin_write), committed when the block
    ends, rolled back if anything in it raises - a refusal leaves nothing half-done."""
    begin_write()
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


# ---------------------------------------------------------------- reads outside a transaction

class QuickRead:
    """A read-only statement for the hottest path (a page served from the page cache, where
    it is all the work there is), run on the driver's own connection in autocommit instead of
    through the session: SQLAlchemy's transaction (pool checkout, BEGIN, ROLLBACK, result
    objects) costs more than such a query. `build(placeholder)` makes the statement; it is
    compiled once per database with every value written into the SQL except the
    placeholders, which `rows(*values)` fills in order. Rows come as the driver gives them
    (SQLite's booleans are 0 and 1). Each read sees the latest commit."""

    # Called with each statement run, for counting queries (SQLAlchemy's events do not see
    # these): tests and the benchmark add a listener here.
    listeners: list[Callable[[str], None]] = []

    def __init__(self, build: Callable[[ColumnElement], Executable]) -> None:
        self.build = build
        self.sql: dict[str, str] = {}
        self.besides: dict[QuickRead, QuickReadBeside] = {}

    def _sql(self, dialect: Any) -> str:
        sql = self.sql.get(dialect.name)
        if sql is None:
            sql = self.sql[dialect.name] = _driver_sql(self.build(_marker("value")), dialect)[0]
        return sql

    def beside(self, first: QuickRead) -> QuickReadBeside:
        """This read with `first`'s value in the same statement (QuickReadBeside), made once."""
        made = self.besides.get(first)
        if made is None:
            made = self.besides[first] = QuickReadBeside(self, first)
        return made

    def rows(self, *values: Any, engine: Engine | None = None) -> list[tuple]:
        """`engine`: the app's, when there is no app context to find it in."""
        engine = engine or db.engine
        sql = self._sql(engine.dialect)
        for listener in self.listeners:
            listener(sql)
        held = _held_connection(engine)
        try:
            if engine.dialect.name == "sqlite":
                return held.connection.execute(sql, values).fetchall()
            return held.prepared_rows(self, sql, values)
        except Exception:
            _drop_held_connection()  # a broken connection (a restarted server): a new one next time
            raise


class QuickReadBeside:
    """A QuickRead's rows with one value read beside them in the same statement (`first`: a
    statement of one column and at most one row, with no placeholders; the content version),
    so that a page that needs both costs one round trip where it took two. `rows()` gives
    `first`'s value (None when the read found no rows, or `first` none) and the read's own
    rows, in their order."""

    def __init__(self, read: QuickRead, first: QuickRead) -> None:
        # `first` as a last column of every row: an uncorrelated subquery, run once.
        self.quick = QuickRead(lambda value: read.build(value).add_columns(first.build(value).scalar_subquery()))

    def rows(self, *values: Any, engine: Engine | None = None) -> tuple[Any, list[tuple]]:
        rows = self.quick.rows(*values, engine=engine)
        return (rows[0][-1] if rows else None), [row[:-1] for row in rows]


def _marker(name: str) -> ColumnElement:
    """A value's place in a quick statement: text the compiler leaves alone."""
    return literal_column(f"__quick_{name}__")


def _driver_sql(statement: Executable, dialect: Any) -> tuple[str, list[str]]:
    """A quick statement as the driver takes it: every value but the markers written into the
    SQL, each marker the driver's placeholder; and the markers' names in order (a name used
    twice is filled twice)."""
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    names = re.findall(r"__quick_(\w+?)__", sql)
    return re.sub(r"__quick_\w+?__", "?" if dialect.paramstyle == "qmark" else "%s", sql), names


class QuickWriteConflict(Exception):
    """A QuickWrite broke a constraint (a row it refers to went away meanwhile): nothing of
    it was kept."""


class QuickWrite:
    """A write of a few rows for the busiest write path (a new visitor's first add makes
    their cart), run like a QuickRead on the thread's own autocommit connection instead of
    through the session, whose transaction costs more than the statements: on PostgreSQL the
    write is one round trip, where the session's transaction took six with its read.

    `build(value, dialect_name)` makes the statements; `value(name, type_)` is a named
    placeholder that `run(**values)` fills, each value passed through its type as SQLAlchemy
    would bind it. On SQLite the statements run in one BEGIN IMMEDIATE transaction; on
    PostgreSQL there must be one statement (data-modifying CTEs make one of several), which
    autocommit runs as its own transaction."""

    def __init__(self, build: Callable[[Callable[[str, Any], ColumnElement], str], list[Executable]]) -> None:
        self.build = build
        self.compiled: dict[str, tuple[list[tuple[str, list[str]]], dict[str, Callable | None]]] = {}

    def _compiled(self, dialect: Any) -> tuple[list[tuple[str, list[str]]], dict[str, Callable | None]]:
        compiled = self.compiled.get(dialect.name)
        if compiled is None:
            types_: dict[str, Any] = {}

            def value(name: str, type_: Any) -> ColumnElement:
                types_[name] = type_
                return _marker(name)

            statements = [_driver_sql(statement, dialect) for statement in self.build(value, dialect.name)]
            if dialect.name != "sqlite" and len(statements) != 1:
                raise ValueError("on PostgreSQL a QuickWrite is one statement")
            processors = {name: type_.bind_processor(dialect) for name, type_ in types_.items()}
            compiled = self.compiled[dialect.name] = (statements, processors)
        return compiled

    def run(self, engine: Engine | None = None, **values: Any) -> list[tuple]:
        """Runs the statements; the rows of the last one (its RETURNING, if any)."""
        engine = engine or db.engine
        statements, processors = self._compiled(engine.dialect)
        for name, processor in processors.items():
            if processor is not None:
                values[name] = processor(values[name])
        for listener in QuickRead.listeners:
            for sql, _names in statements:
                listener(sql)
        held = _held_connection(engine)
        try:
            if engine.dialect.name != "sqlite":
                sql, names = statements[0]
                return held.prepared_rows(self, sql, tuple(values[name] for name in names))
            connection = held.connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                for sql, names in statements:
                    rows = connection.execute(sql, [values[name] for name in names]).fetchall()
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            return rows
        except (sqlite3.IntegrityError, psycopg_errors.IntegrityError) as error:
            raise QuickWriteConflict(str(error)) from error
        except Exception:
            _drop_held_connection()  # a broken connection (a restarted server): a new one next time
            raise


# Each thread of each process keeps one autocommit connection of its own for these reads,
# out of the app's pool: no checkout, no BEGIN, no ROLLBACK (a few microseconds a read on
# SQLite; on PostgreSQL, its one round trip and little else). In autocommit each read sees
# the latest commit. It is closed when its thread ends (a server that starts a thread per
# request keeps none), or with the app's engine.
_HELD = threading.local()
_HELD_BY_ENGINE: "weakref.WeakKeyDictionary[Engine, weakref.WeakSet[_Held]]" = weakref.WeakKeyDictionary()
_HELD_LOCK = threading.Lock()


class _Held:
    """A thread's connection: closed once this goes (the thread's locals go with the thread)."""

    def __init__(self, engine: Engine, connection: Any) -> None:
        self.engine = engine
        self.pid = os.getpid()
        self.connection = connection
        self.close = weakref.finalize(self, _close_in_own_process, connection, self.pid)
        self.prepared: dict[QuickRead | QuickWrite, bytes] = {}  # PostgreSQL: statement names on this connection
        self.loader: Any = None  # PostgreSQL: psycopg's loaders, kept like a cursor keeps them

    def prepared_rows(self, statement: QuickRead | QuickWrite, sql: str, values: tuple) -> list[tuple]:
        """PostgreSQL: the statement prepared once on this connection and run by libpq itself,
        its rows made by psycopg's own loaders; values go as text (str, int and datetime are all the
        quick statements take). psycopg's cursor (the object, the query's conversion, its own
        prepare bookkeeping) cost a third of a kept page's version read."""
        pgconn = self.connection.pgconn
        name = self.prepared.get(statement)
        if name is None:
            name = f"quick_{len(self.prepared)}".encode()
            _check(pgconn.prepare(name, _numbered(sql).encode()), self.connection)
            self.prepared[statement] = name
        params = [None if value is None else str(value).encode() for value in values]
        result = _check(pgconn.exec_prepared(name, params), self.connection)
        loader = self.loader = self.loader or Transformer(self.connection)
        loader.set_pgresult(result)
        return loader.load_rows(0, result.ntuples, tuple)


def _numbered(sql: str) -> str:
    """psycopg's placeholders (%s, and %% for a percent sign) as libpq's ($1, $2, ...)."""
    parts = sql.split("%s")
    return "".join(part.replace("%%", "%") + (f"${i}" if i < len(parts) else "")
                   for i, part in enumerate(parts, start=1))


def _check(result: Any, connection: Any) -> Any:
    if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        raise psycopg_errors.error_from_result(result, encoding=connection.info.encoding)
    return result


def _close_in_own_process(connection: Any, pid: int) -> None:
    if pid == os.getpid():  # a fork's child leaves its parent's connection to the parent
        try:
            connection.close()
        except Exception:  # closing is a courtesy: a connection already broken is gone anyway
            pass


def _held_connection(engine: Engine) -> _Held:
    held: _Held | None = getattr(_HELD, "held", None)
    if held is not None and held.engine is engine and held.pid == os.getpid():
        return held
    if held is not None:
        held.close()  # another app's engine (tests make many), or the parent's before a fork
    # Taken out of a pool: SQLite's connections are in autocommit already (see below);
    # PostgreSQL's come from an autocommit engine with the app's settings.
    raw = (engine if engine.dialect.name == "sqlite" else _autocommit_engine(engine)).raw_connection()
    connection = raw.driver_connection
    raw.detach()
    if engine.dialect.name != "sqlite":
        # Its writes (QuickWrite: a new visitor's cart) commit without waiting for the disk,
        # as every write does on SQLite with WAL and synchronous=NORMAL: a crash may lose
        # the last moment's carts, never leave one half-made. Half of such a write's time.
        connection.execute("SET synchronous_commit = off")
    held = _HELD.held = _Held(engine, connection)
    with _HELD_LOCK:
        if engine not in _HELD_BY_ENGINE:
            _HELD_BY_ENGINE[engine] = weakref.WeakSet()
            event.listen(engine, "engine_disposed", _close_held_connections)
        _HELD_BY_ENGINE[engine].add(held)
    return held


_AUTOCOMMIT_ENGINES: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()


def _autocommit_engine(engine: Engine) -> Engine:
    """Makes the held connections: the app's database, in autocommit."""
    quick = _AUTOCOMMIT_ENGINES.get(engine)
    if quick is None:
        quick = _AUTOCOMMIT_ENGINES[engine] = create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        event.listen(engine, "engine_disposed", lambda _engine: quick.dispose())
    return quick


def _drop_held_connection() -> None:
    held: _Held | None = getattr(_HELD, "held", None)
    _HELD.held = None
    if held is not None:
        held.close()


def _close_held_connections(engine: Engine) -> None:
    with _HELD_LOCK:
        held = list(_HELD_BY_ENGINE.pop(engine, ()))
    for one in held:
        one.close()


# ---------------------------------------------------------------- SQLite connections

def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run while one writer writes; foreign keys are off by default in
    SQLite; the busy timeout makes a second writer wait instead of failing at once."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        # We emit BEGIN ourselves (below), so a writer can ask for BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _begin_sqlite(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        # On the driver's connection: through SQLAlchemy's execution (events, cursor, result)
        # this one word cost as much as a query, on every write.
        conn.connection.driver_connection.execute(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


# ---------------------------------------------------------------- the search index

# Site search on SQLite: an FTS5 table kept in step by triggers on `articles` and
# `products` (migration 0004 creates the same objects). Its rowid says what a row is:
# article id * 2, or product id * 2 + 1, so a trigger replaces a row by rowid.
SEARCH_INDEX_DDL = [
    # Update triggers watch only the searched columns: a stock change at checkout must
    # not rewrite the product's index row.
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5("
    "title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_index_article_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO search_index(rowid, title, summary, body) VALUES (new.id * 2, new.title, new.summary, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_index_article_update AFTER UPDATE OF title, summary, body ON articles BEGIN "
    "DELETE FROM search_index WHERE rowid = old.id * 2; "
    "INSERT INTO search_index(rowid, title, summary, body) VALUES (new.id * 2, new.title, new.summary, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_index_article_delete AFTER DELETE ON articles BEGIN "
    "DELETE FROM search_index WHERE rowid = old.id * 2; END",
    "CREATE TRIGGER IF NOT EXISTS search_index_product_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO search_index(rowid, title, summary, body) VALUES (new.id * 2 + 1, new.name, new.summary, new.description); END",
    "CREATE TRIGGER IF NOT EXISTS search_index_product_update AFTER UPDATE OF name, summary, description ON products BEGIN "
    "DELETE FROM search_index WHERE rowid = old.id * 2 + 1; "
    "INSERT INTO search_index(rowid, title, summary, body) VALUES (new.id * 2 + 1, new.name, new.summary, new.description); END",
    "CREATE TRIGGER IF NOT EXISTS search_index_product_delete AFTER DELETE ON products BEGIN "
    "DELETE FROM search_index WHERE rowid = old.id * 2 + 1; END",
]


def _create_search_index(target: Any, connection: Any, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SEARCH_INDEX_DDL:
            connection.execute(text(statement))


def include_in_autogenerate(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Alembic must not see the FTS table and its shadow tables as tables to drop."""
    return not (type_ == "table" and name is not None and name.startswith("search_index"))


def init_database(app: Flask) -> None:
    """Hooks that live as long as the process, installed once however many apps are made:
    SQLite's per-connection settings, and the search index for a schema built from the
    models (tests' db.create_all) - on the metadata, because its triggers need both tables."""
    for target, name, listener in (
        (Engine, "connect", _tune_sqlite),
        (Engine, "begin", _begin_sqlite),
        (db.metadata, "after_create", _create_search_index),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
    app.extensions["migrate"].configure_args.setdefault("include_name", include_in_autogenerate)
