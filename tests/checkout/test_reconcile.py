"""`flask --app wsgi checkout reconcile`: catching up with Stripe when a webhook never came.

The stand-in here has no webhook URL, so nothing is ever delivered; time is moved by
editing the order's session_expires_at / created_at rather than by sleeping."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.database import utcnow
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderLine, OrderStatus, StockState
from tests.support.db import outbox_count, reload, stock_of
from tests.support.live import closed_port_url
from tests.support.shopper import checkout
from tests.support.stripe import point_stripe_at, stripe_session


@pytest.fixture
def reconcile(runner):
    """Runs `flask checkout reconcile` and returns its output lines."""

    def run(*args: str) -> list[str]:
        db.session.commit()  # what the test set up is visible to the command's own session
        result = runner.invoke(args=["checkout", "reconcile", *args])
        assert result.exit_code == 0, result.output
        db.session.rollback()
        return result.output.splitlines()

    return run


def move_past_expiry(order: Order, minutes: int = 10) -> None:
    db.session.execute(sa.update(Order).where(Order.id == order.id)
                       .values(session_expires_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def test_a_paid_order_whose_webhook_never_came_becomes_paid(app, client, standin, trainer, reconcile):
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    assert reconcile() == ["orders reconciled: 0"]  # its session has not ended yet
    move_past_expiry(order)

    output = reconcile()

    assert output == [f"{order.number}: fulfilled", "orders reconciled: 1"]
    order = reload(order)
    assert order.status is OrderStatus.PAID and order.stock_state is StockState.SOLD
    assert stock_of(trainer) == 3 and outbox_count() == 1
    assert reconcile() == ["orders reconciled: 0"]  # nothing left to do; nothing doubled
    assert outbox_count() == 1


def test_a_session_that_expired_at_stripe_unheard_releases_the_stock(app, client, standin, trainer, reconcile):
    order = checkout(client, trainer, 2)
    standin.expire_now(order.stripe_session_id)  # Stripe expired it; we were not told
    move_past_expiry(order)

    output = reconcile()

    assert output == [f"{order.number}: expired", "orders reconciled: 1"]
    order = reload(order)
    assert order.status is OrderStatus.EXPIRED and order.stock_state is StockState.RELEASED
    assert stock_of(trainer) == 5 and outbox_count() == 0


def test_a_session_still_open_past_our_expiry_is_expired_at_stripe_first(app, client, standin, trainer, reconcile):
    order = checkout(client, trainer, 2)
    move_past_expiry(order)

    output = reconcile()

    assert output == [f"{order.number}: expired", "orders reconciled: 1"]
    assert stripe_session(standin, order.stripe_session_id)["status"] == "expired"  # can no longer be paid
    assert reload(order).status is OrderStatus.EXPIRED and stock_of(trainer) == 5


def _order_that_never_reached_stripe(product, quantity: int, age: timedelta) -> Order:
    """As if the process died between committing the order and hearing from Stripe."""
    order = Order(currency="usd", subtotal_cents=product.price_cents * quantity, total_cents=product.price_cents * quantity,
                  cart_token="cart-that-died", created_at=utcnow() - age,
                  lines=[OrderLine(product_id=product.id, product_name=product.name, sku=product.sku,
                                   unit_price_cents=product.price_cents, quantity=quantity, stock_tracked=True)])
    db.session.add(order)
    orders.reserve_stock(order)
    db.session.commit()
    return order


def test_an_order_that_never_got_a_session_is_cancelled_and_its_stock_returned(app, standin, trainer, reconcile):
    stale = _order_that_never_reached_stripe(trainer, 2, age=timedelta(minutes=10))
    recent = _order_that_never_reached_stripe(trainer, 1, age=timedelta(seconds=5))
    assert stock_of(trainer) == 2

    output = reconcile()

    assert output == [f"{stale.number}: cancelled (never reached Stripe)", "orders reconciled: 1"]
    assert reload(stale).status is OrderStatus.CANCELLED and reload(stale).stock_state is StockState.RELEASED
    assert reload(recent).status is OrderStatus.PENDING  # may still be talking to Stripe right now
    assert stock_of(trainer) == 4


def test_the_grace_period_is_an_option(app, client, standin, trainer, reconcile):
    order = checkout(client, trainer, 1)
    standin.pay(order.stripe_session_id)
    move_past_expiry(order, minutes=10)

    assert reconcile("--grace-minutes", "30") == ["orders reconciled: 0"]
    assert reconcile("--grace-minutes", "1") == [f"{order.number}: fulfilled", "orders reconciled: 1"]


def test_stripe_unreachable_leaves_the_order_for_the_next_run(app, client, standin, trainer, reconcile):
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    move_past_expiry(order)
    good_base = app.config["STRIPE_API_BASE"]
    point_stripe_at(app, STRIPE_API_BASE=closed_port_url())

    assert reconcile() == [f"{order.number}: Stripe unavailable; will try again", "orders reconciled: 1"]
    assert reload(order).status is OrderStatus.PENDING and stock_of(trainer) == 3

    point_stripe_at(app, STRIPE_API_BASE=good_base)
    assert reconcile() == [f"{order.number}: fulfilled", "orders reconciled: 1"]
    assert reload(order).status is OrderStatus.PAID and stock_of(trainer) == 3


def test_orders_flagged_for_review_are_left_to_a_person(app, client, standin, trainer, reconcile):
    order = checkout(client, trainer, 1)
    order.flag_for_review("test", source="test")
    db.session.commit()
    move_past_expiry(order)

    assert reconcile() == ["orders reconciled: 0"]
    assert reload(order).status is OrderStatus.PENDING
