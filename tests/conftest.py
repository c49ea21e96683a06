"""Fixtures shared by every test, in this one file.

Each test that takes `app` runs twice: on SQLite and on PostgreSQL (127.0.0.1:5432,
TEST_DATABASE_URL to change). PostgreSQL is required: if it is missing, tests fail
rather than skip, so CI can never go green without it.

A test that takes `standin` gets the offline Stripe stand-in running over HTTP, and an
`app` pointed at it; `live_shop` serves that app on a loopback port so the stand-in can
deliver its signed webhooks. `smtp_server` is a real SMTP server on loopback.

The fast lane, `./scripts/test -m "not slow"`, runs SQLite only: every PostgreSQL run of
a test, the browser tests and the tests marked slow are "slow".
"""
from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from shop import create_app
from shop.accounts.models import StaffUser
from shop.database import QuickRead
from shop.extensions import db
from shop.orders.models import OrderStatus
from stripe_standin.testing import StandinServer, start_standin
from tests.factories import STAFF_EMAIL, make_product, make_staff
from tests.support.db import reload
from tests.support.live import LiveServer, Mailbox, SmtpServer
from tests.support.shopper import checkout, log_in
from tests.support.stripe import WEBHOOK_SECRET, all_delivered_ok

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def run_scoped_name(prefix: str) -> str:
    """A database name of this test worker's own in this run, so that two runs at once
    (two developers' sessions, CI beside a local run) never drop each other's databases."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"p{os.getpid()}")[:10]
    return f"{prefix}_{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".lower()


@contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """An empty PostgreSQL database of this test worker's own (its URL), dropped afterwards."""
    name = run_scoped_name(prefix)
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test worker's own, created fresh for the run."""
    with fresh_postgres("shop_test") as url:
        yield url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with the schema, built once per worker; each test gets a copy,
    which is much quicker than building the schema again."""
    path = tmp_path_factory.mktemp("schema") / "template.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        db.engine.dispose()
    return path


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
        # The test client's Host is localhost; live servers listen on 127.0.0.1.
        "TRUSTED_HOSTS": ["shop.test", "localhost", "127.0.0.1"],
        "RATELIMIT_STORAGE_URI": "memory://",
        "OUTBOX_SEND_AFTER_REQUEST": False,
        "STRIPE_SECRET_KEY": "sk_test_unused",
        "STRIPE_WEBHOOK_SECRET": "whsec_test",
        "STRIPE_API_BASE": "http://127.0.0.1:9",  # nothing listens: a test that needs Stripe says so
    }
    config.update(overrides)
    return config


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("db_backend") == "postgresql"
        if on_postgres or item.get_closest_marker("browser") or item.get_closest_marker("postgres_only"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(db_backend: str, request: pytest.FixtureRequest, tmp_path) -> str:
    if db_backend == "sqlite":
        path = tmp_path / "shop.sqlite"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("_postgres_schema")


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings for its `app`."""
    return {}


@pytest.fixture
def app(database_url: str, db_backend: str, app_config: dict[str, Any], request: pytest.FixtureRequest,
        tmp_path: Path) -> Iterator[Flask]:
    # Each test's own private folders: photos staff upload, and the files bought online (the
    # seed writes the guide there).
    config = make_test_config(database_url, MEDIA_ROOT=str(tmp_path / "media"), DOWNLOADS_DIR=str(tmp_path / "downloads"))
    if "standin" in request.fixturenames:
        config.update(stripe_config(request.getfixturevalue("standin")))
    config.update(app_config)
    app = create_app(config)
    app.test_client_class = ShopClient
    with app.app_context():
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
    """A test client that submits forms the way a browser on our pages would: from this
    site (Origin and Sec-Fetch-Site, as a browser sends them), and with the session's CSRF
    token where the page holds one (staff forms; shoppers' forms have none, see
    shop/same_origin.py). Pass `csrf=False` to leave the token out, or your own `csrf_token`;
    pass an Origin or Sec-Fetch-Site header to send those alone, as another site would, or
    `browser=False` to send neither, as a program would."""

    SITE_HEADERS = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}

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
        headers = dict(kwargs.get("headers") or {})
        from_browser = kwargs.pop("browser", True)
        if (from_browser and kwargs.get("method", "GET") not in ("GET", "HEAD")
                and not headers.keys() & self.SITE_HEADERS.keys()):
            kwargs["headers"] = {**self.SITE_HEADERS, **headers}
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def _form_has_token(self, path: str) -> bool:
        """Whether the page that posts here carries a CSRF token (staff forms), as the view
        that answers tells: shoppers' forms and other sites' posts are exempt."""
        try:
            endpoint, _ = self.application.url_map.bind("localhost").match(path.split("?")[0], method="POST")
        except Exception:  # an unknown address: post as asked, the app answers it
            return True
        view = self.application.view_functions[endpoint]
        return f"{view.__module__}.{view.__name__}" not in self.application.extensions["csrf"]._exempt_views

    def post(self, *args: Any, csrf: bool = True, **kwargs: Any):
        kwargs["method"] = "POST"
        data = kwargs.get("data")
        path = args[0] if args and isinstance(args[0], str) else ""
        if csrf and (data is None or isinstance(data, dict)) and "json" not in kwargs and self._form_has_token(path):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return self.open(*args, **kwargs)


@pytest.fixture
def another_app(database_url: str):
    """`another_app(**settings)`: one more app on the test's database (another server, or
    other settings), with the shop's test client; its connections are closed at the end."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        other = create_app(make_test_config(database_url, **overrides))
        other.test_client_class = ShopClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> ShopClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """Runs `flask ...` commands against the test's app, as an operator would."""
    return app.test_cli_runner()


# ---------------------------------------------------------------- Stripe, the live shop, email

def stripe_config(standin: StandinServer) -> dict[str, Any]:
    return {
        "STRIPE_SECRET_KEY": standin.api_key,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": standin.base_url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        "STRIPE_TIMEOUT_SECONDS": 5,
    }


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    """The offline Stripe stand-in over HTTP, signing its webhooks with WEBHOOK_SECRET."""
    server = start_standin(webhook_secret=WEBHOOK_SECRET, api_key="sk_test_checkout", retry_delays=(0.05, 0.1, 0.2))
    yield server
    server.stop()


@pytest.fixture
def live_shop(app: Flask, standin: StandinServer) -> Iterator[LiveServer]:
    """The test's app on a real loopback port; the stand-in delivers webhooks to it."""
    shop = LiveServer(app)
    app.config["SHOP_BASE_URL"] = shop.url
    standin.set_webhook_url(f"{shop.url}/webhooks/stripe")
    yield shop
    standin.set_webhook_url(None)
    shop.stop()


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, Mailbox]]:
    """A real SMTP server (aiosmtpd) on loopback; yields (SMTP_URL, mailbox)."""
    server = SmtpServer()
    yield server.url, server.mailbox
    server.stop()


# ---------------------------------------------------------------- orders at the stand-in

@pytest.fixture
def trainer(app):
    return make_product(name="SteadyHand Trainer", price_cents=2990, stock=5)


@pytest.fixture
def paid_at_stripe(app, client, standin, trainer):
    """An order of 2 trainers paid at the stand-in, whose webhook nobody delivered yet."""
    order = checkout(client, trainer, 2)
    assert standin.pay(order.stripe_session_id)["outcome"] == "succeeded"
    return order


@pytest.fixture
def paid_order(app, client, standin, live_shop, trainer):
    """A paid order of 2 trainers (total 69.75), the webhook delivered."""
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    all_delivered_ok(standin)
    order = reload(order)
    assert order.status is OrderStatus.PAID and order.total_cents == 6975
    return order


# ---------------------------------------------------------------- staff

@pytest.fixture
def staff(app: Flask) -> StaffUser:
    return make_staff()


@pytest.fixture
def staff_client(client: "ShopClient", staff: StaffUser) -> "ShopClient":
    """A client logged in as active staff, through the real /login form."""
    log_in(client, STAFF_EMAIL)
    return client


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
        QuickRead.listeners.append(statements.append)  # reads on the driver's connection
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
            QuickRead.listeners.remove(statements.append)

    return counter


def queries_for_page(count_queries, client, path: str, *, rendered: bool = True) -> int:
    """SQL statements one GET of `path` issues, after a warm-up request: rendered (the
    page cache off), or as a repeat visit is served (`rendered=False`)."""
    config = client.application.config
    kept_for = config["PAGE_CACHE_SECONDS"]
    if rendered:
        config["PAGE_CACHE_SECONDS"] = 0
    try:
        client.get(path)  # warm: the first request in a worker may load metadata
        with count_queries() as queries:
            response = client.get(path)
    finally:
        config["PAGE_CACHE_SECONDS"] = kept_for
    assert response.status_code == 200, path
    return len(queries)
