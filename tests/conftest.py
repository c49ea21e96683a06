"""Fixtures shared by every test.

Each test that takes `app` runs twice: on SQLite and on PostgreSQL (127.0.0.1:5432,
TEST_DATABASE_URL to change). PostgreSQL is required: if it is missing, tests fail
rather than skip, so CI can never go green without it.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from shop import create_app
from shop.extensions import db
from tests.htmlcheck import page_text  # noqa: F401  (re-exported for tests)

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def run_scoped_name(prefix: str) -> str:
    """A database name of this test worker's own in this run, so that two runs at once
    (two developers' sessions, CI beside a local run) never drop each other's databases."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"p{os.getpid()}")[:10]
    return f"{prefix}_{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".lower()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test worker's own, created fresh for the run."""
    name = run_scoped_name("shop_test")
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _postgres_schema(postgres_url: str) -> str:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return postgres_url


def make_test_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SHOP_BASE_URL": "http://shop.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        "OUTBOX_SEND_AFTER_REQUEST": False,
        "STRIPE_SECRET_KEY": "sk_test_unused",
        "STRIPE_WEBHOOK_SECRET": "whsec_test",
        "STRIPE_API_BASE": "http://127.0.0.1:9",  # nothing listens: a test that needs Stripe says so
    }
    config.update(overrides)
    return config


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(db_backend: str, request: pytest.FixtureRequest, tmp_path) -> str:
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.sqlite'}"
    return request.getfixturevalue("_postgres_schema")


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings for its `app`."""
    return {}


@pytest.fixture
def app(database_url: str, db_backend: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(make_test_config(database_url, **app_config))
    app.test_client_class = ShopClient
    with app.app_context():
        if db_backend == "sqlite":
            db.create_all()
        yield app
        db.session.remove()
        if db_backend == "postgresql":
            _truncate_all()
        db.engine.dispose()


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class ShopClient(FlaskClient):
    """A test client that submits forms the way a browser on our pages would: with the
    session's CSRF token. Pass `csrf=False` to leave it out, or your own `csrf_token`."""

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = session["csrf_token"] = secrets.token_hex(20)
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args: Any, **kwargs: Any):
        # Each request in its own app context, as in production: its own `g` and its own
        # database session, not the test's (which the `app` fixture keeps pushed).
        # The test's session commits first: what the test set up becomes visible to the
        # request, and no snapshot the test holds (SQLite) hides what the request writes.
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def post(self, *args: Any, csrf: bool = True, **kwargs: Any):
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)) and "json" not in kwargs:
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> ShopClient:
    return app.test_client()


@pytest.fixture
def seeded(app: Flask) -> Flask:
    """The demo content, loaded as `flask seed` loads it."""
    from shop.seed import seed_all

    list(seed_all())
    return app


@pytest.fixture
def count_queries(app: Flask):
    """`with count_queries() as queries:` ... `len(queries)` SQL statements ran."""

    @contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            # Transaction control (SQLite's explicit BEGIN) is not a query.
            if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counter


def queries_for_page(count_queries, client, path: str) -> int:
    """SQL statements one GET of `path` issues, after a warm-up request."""
    client.get(path)  # warm: the first request in a worker may load metadata
    with count_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)
