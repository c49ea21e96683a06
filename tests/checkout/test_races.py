"""Real concurrency: threads, each in its own app context with its own database session.

The two races the issue names run on PostgreSQL (row locks, concurrent writers): this
module's `db_backend` offers only PostgreSQL. The buyers' race runs on a SQLite file
database too (explicitly parametrised below): stock must never go negative there either.
"""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Order, OrderStatus, StockState, StripeEvent
from tests.factories import make_product
from tests.support.db import count, outbox_count, paid_transitions, reload, stock_of
from tests.support.html import page_text
from tests.support.shopper import add_to_cart, checkout
from tests.support.stripe import WEBHOOK_SECRET, event_body, last_event, stripe_signature

BUYERS = 30
UNITS = 3
DELIVERIES = 10
SOLD_OUT = re.compile(r"sold out|out of stock")


@pytest.fixture
def app_config():
    """Thirty buyers from one address: the per-client checkout limit is not what this
    module tests (tests/checkout/test_holding_stock.py does)."""
    return {"CHECKOUT_LIMIT_PER_CLIENT": "100 per minute"}


@pytest.fixture(params=["postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only for this module (a test may still parametrise `db_backend` itself)."""
    return request.param


def _run_together(count_: int, work):
    """Run work(i) in `count_` threads released at once; return their results in order."""
    barrier = threading.Barrier(count_, timeout=20)

    def started(i):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count_) as pool:
        return list(pool.map(started, range(count_), timeout=60))


def _buyers_race(app, standin):
    product = make_product(name="Last Trainer", price_cents=2990, stock=UNITS)
    browsers = [app.test_client() for _ in range(BUYERS)]
    for browser in browsers:
        add_to_cart(browser, product, 1)  # 30 carts: each may hold 1 while 3 are left

    def buy(i):
        with app.app_context():  # this thread's own context and database session
            response = browsers[i].post("/checkout")
            location = response.headers.get("Location", "")
            text = page_text(browsers[i].get("/cart")) if location.endswith("/cart") else ""
            return response.status_code, location, text

    results = _run_together(BUYERS, buy)

    went_to_stripe = [r for r in results if r[1].startswith(standin.base_url)]
    sent_back = [r for r in results if r[1].endswith("/cart")]
    assert all(status == 303 for status, _, _ in results), [r[0] for r in results]
    assert len(went_to_stripe) == UNITS and len(sent_back) == BUYERS - UNITS
    assert all(SOLD_OUT.search(text) for _, _, text in sent_back), sent_back[0][2]

    assert stock_of(product) == 0
    holding = db.session.scalars(sa.select(Order).where(Order.stock_state == StockState.RESERVED)).all()
    assert len(holding) == UNITS and count(Order) == UNITS
    assert all(o.status is OrderStatus.PENDING and o.stripe_session_id for o in holding)
    assert sum(line.quantity for o in holding for line in o.lines) == UNITS
    assert len(standin.standin.store.sessions) == UNITS
    return results


@pytest.mark.postgres_only
def test_thirty_buyers_race_for_the_last_three_units_on_postgresql(app, db_backend, standin):
    assert db_backend == "postgresql"
    _buyers_race(app, standin)


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_thirty_buyers_race_for_the_last_three_units_on_sqlite(app, db_backend, standin):
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and db_backend == "sqlite"
    _buyers_race(app, standin)


def _simultaneous_deliveries(app, client, standin, live_shop):
    standin.set_webhook_url(None)  # we deliver, all at once
    product = make_product(stock=5)
    order = checkout(client, product, 2)
    standin.pay(order.stripe_session_id)
    event = last_event(standin, "checkout.session.completed")
    body = event_body(event)
    url = f"{live_shop.url}/webhooks/stripe"

    def post(i):
        with requests.Session() as http:
            http.trust_env = False  # loopback: never through a proxy from the environment
            response = http.post(url, data=body.encode(), timeout=20, headers={
                "Content-Type": "application/json", "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET)})
            return response.status_code, response.json()["outcome"]

    results = _run_together(DELIVERIES, post)

    assert [status for status, _ in results] == [200] * DELIVERIES
    outcomes = sorted(outcome for _, outcome in results)
    assert outcomes.count("fulfilled") == 1, outcomes
    assert set(outcomes) <= {"fulfilled", "duplicate"}
    order = reload(order)
    assert order.status is OrderStatus.PAID and paid_transitions(order) == 1
    assert count(StripeEvent) == 1 and count(StripeEvent, StripeEvent.id == event["id"]) == 1
    assert outbox_count() == 1
    assert stock_of(product) == 3


@pytest.mark.postgres_only
def test_ten_simultaneous_deliveries_of_one_event_pay_once_on_postgresql(app, db_backend, client, standin, live_shop):
    assert db_backend == "postgresql"
    _simultaneous_deliveries(app, client, standin, live_shop)


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_ten_simultaneous_deliveries_of_one_event_pay_once_on_sqlite(app, db_backend, client, standin, live_shop):
    _simultaneous_deliveries(app, client, standin, live_shop)
