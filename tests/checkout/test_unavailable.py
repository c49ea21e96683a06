"""Stripe down, failing or refusing our key: the shopper sees that nothing was charged,
keeps the cart, and no stock stays locked in an order that can never be paid."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Order, OrderStatus, StockState
from tests.factories import make_product
from tests.support.db import cart_lines, count, fresh, stock_of
from tests.support.html import page_text
from tests.support.live import AlwaysFailingStripe, SlowStripe, closed_port_url
from tests.support.shopper import add_to_cart
from tests.support.stripe import point_stripe_at


@pytest.fixture
def failing_stripe() -> Iterator[AlwaysFailingStripe]:
    server = AlwaysFailingStripe()
    yield server
    server.stop()


@pytest.fixture
def slow_stripe() -> Iterator[SlowStripe]:
    server = SlowStripe(delay=3)
    yield server
    server.stop()


@pytest.fixture(params=["unreachable", "answers-500", "refuses-our-key", "slower-than-the-timeout"])
def stripe_trouble(request, app, standin):
    if request.param == "unreachable":
        point_stripe_at(app, STRIPE_API_BASE=closed_port_url())
    elif request.param == "slower-than-the-timeout":
        server = request.getfixturevalue("slow_stripe")
        point_stripe_at(app, STRIPE_API_BASE=server.url, STRIPE_TIMEOUT_SECONDS=1)
    elif request.param == "answers-500":
        server = request.getfixturevalue("failing_stripe")
        point_stripe_at(app, STRIPE_API_BASE=server.url)
    else:
        point_stripe_at(app, STRIPE_SECRET_KEY="sk_test_not_our_key")
    return request.param


def test_checkout_when_stripe_fails_charges_nothing_and_hands_the_stock_back(app, client, standin, stripe_trouble):
    trainer = make_product(name="SteadyHand Trainer", stock=5)
    grip = make_product(name="Grip ball", stock=None)
    add_to_cart(client, trainer, 2)
    add_to_cart(client, grip, 1)

    response = client.post("/checkout")

    assert response.status_code == 503
    text = page_text(response)
    assert "Nothing was charged" in text and "Your cart still holds everything" in text
    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.CANCELLED and order.cancelled_at is not None
    assert order.stock_state is StockState.RELEASED and order.stripe_session_id is None
    assert stock_of(trainer) == 5 and stock_of(grip) is None
    assert cart_lines(order.cart_token) == [(trainer.id, 2), (grip.id, 1)]
    assert "SteadyHand Trainer" in page_text(client.get("/cart"))
    assert len(standin.standin.store.sessions) == 0


def test_the_500_answer_was_really_asked(app, client, standin, failing_stripe):
    point_stripe_at(app, STRIPE_API_BASE=failing_stripe.url)
    add_to_cart(client, make_product(stock=5), 1)

    assert client.post("/checkout").status_code == 503
    assert failing_stripe.hits == 1  # the test stand-in for a failing Stripe was called, once


def test_checkout_works_again_once_stripe_is_back(app, client, standin):
    trainer = make_product(stock=5)
    add_to_cart(client, trainer, 2)
    good_base = app.config["STRIPE_API_BASE"]
    point_stripe_at(app, STRIPE_API_BASE=closed_port_url())
    assert client.post("/checkout").status_code == 503

    point_stripe_at(app, STRIPE_API_BASE=good_base)
    response = client.post("/checkout")

    assert response.status_code == 303 and response.headers["Location"].startswith(standin.base_url)
    fresh()
    statuses = db.session.scalars(sa.select(Order.status).order_by(Order.id)).all()
    assert statuses == [OrderStatus.CANCELLED, OrderStatus.PENDING]
    assert stock_of(trainer) == 3 and count(Order, Order.stock_state == StockState.RESERVED) == 1
