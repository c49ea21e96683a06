"""The two pages Stripe sends the shopper back to: cancel and success."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Order, OrderStatus, StockState
from shop.orders.services import AWAITING_PAYMENT
from shop.payments import gateway
from tests.factories import make_product
from tests.support.db import cart_lines, outbox_count, reload, stock_of
from tests.support.html import page_text
from tests.support.live import AlwaysFailingStripe, closed_port_url
from tests.support.shopper import add_to_cart, checkout
from tests.support.stripe import WEBHOOK_SECRET, deliver, last_event, point_stripe_at, stripe_session


@pytest.fixture
def pending(app, client, trainer):
    """A pending order of 2 trainers with an open session at the stand-in."""
    return checkout(client, trainer, 2)


def unchanged(order: Order, standin, trainer) -> None:
    order = reload(order)
    assert order.status is OrderStatus.PENDING and order.stock_state is StockState.RESERVED
    assert stock_of(trainer) == 3
    assert stripe_session(standin, order.stripe_session_id)["status"] == "open"


# ---------------------------------------------------------------- cancel

def press_cancel(client, number: str):
    """Open the page Stripe's back link leads to, and press its cancel button (a page
    opened before the order changed still has it)."""
    page = client.get("/checkout/cancel", query_string={"order": number})
    if page.status_code != 200:
        return page
    return client.post("/checkout/cancel", data={"order": number})


def test_opening_the_cancel_page_changes_nothing(app, client, standin, trainer, pending):
    # Found by probing: GET /checkout/cancel cancelled the order and expired the session,
    # so a link prefetcher or a crawler following the link cancelled orders.
    for _ in range(2):
        response = client.get(f"/checkout/cancel?order={pending.number}")
        assert response.status_code == 200
        assert "You have not paid yet" in page_text(response)
        assert "Cancel this order and go back to my cart" in page_text(response)
    unchanged(pending, standin, trainer)
    assert client.head(f"/checkout/cancel?order={pending.number}").status_code == 200
    unchanged(pending, standin, trainer)


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}])
def test_another_site_cannot_cancel_a_shoppers_checkout(app, client, standin, trainer, pending, headers):
    response = client.post("/checkout/cancel", data={"order": pending.number}, headers=headers, csrf=False)
    assert response.status_code == 403 and "came from another website" in page_text(response)
    unchanged(pending, standin, trainer)


def test_cancel_from_the_same_browser_closes_the_session_and_keeps_the_cart(app, client, standin, trainer, pending):
    response = press_cancel(client, pending.number)

    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    assert "nothing was charged" in page_text(client.get("/cart"))
    assert stripe_session(standin, pending.stripe_session_id)["status"] == "expired"
    order = reload(pending)
    assert order.status is OrderStatus.CANCELLED and order.stock_state is StockState.RELEASED
    assert stock_of(trainer) == 5
    assert cart_lines(order.cart_token) == [(trainer.id, 2)]
    assert "is closed, and nothing was charged" in page_text(client.get(f"/checkout/cancel?order={order.number}"))
    # Stripe's checkout.session.expired follows; the stock is not handed back a second time.
    late = deliver(client, last_event(standin, "checkout.session.expired"), WEBHOOK_SECRET)
    assert late.get_json()["outcome"] == "left cancelled"
    assert stock_of(trainer) == 5 and reload(order).status is OrderStatus.CANCELLED


def test_cancel_ends_cancelled_even_when_the_expiry_webhook_arrives_first(app, client, standin, live_shop, trainer,
                                                                          monkeypatch):
    # Regression: at commit a70c889 the order ended EXPIRED here (the webhook for the cancel
    # page's own expire call closed it first), so the outcome depended on webhook timing.
    order = checkout(client, trainer, 2)
    real_expire = gateway.expire_checkout_session

    def expire_and_let_the_webhook_land(session_id):
        session = real_expire(session_id)
        standin.wait_for_deliveries()  # as on a fast network: Stripe's event is handled first
        return session

    monkeypatch.setattr(gateway, "expire_checkout_session", expire_and_let_the_webhook_land)

    response = press_cancel(client, order.number)

    assert response.status_code == 303
    assert stock_of(trainer) == 5  # handed back once, either way
    assert reload(order).status is OrderStatus.CANCELLED


def test_cancel_from_a_browser_without_the_cart_is_not_found(app, standin, trainer, pending):
    stranger = app.test_client()

    response = press_cancel(stranger, pending.number)

    assert response.status_code == 404
    unchanged(pending, standin, trainer)


def test_cancel_from_a_browser_with_another_cart_is_not_found(app, standin, trainer, pending):
    stranger = app.test_client()
    add_to_cart(stranger, make_product(stock=3), 1)

    response = press_cancel(stranger, pending.number)

    assert response.status_code == 404
    unchanged(pending, standin, trainer)


@pytest.mark.parametrize("number", ["", "SH-NOSUCH22", "' OR 1=1 --"])
def test_cancel_of_an_unknown_order_is_not_found(app, client, standin, trainer, pending, number):
    assert client.get("/checkout/cancel", query_string={"order": number}).status_code == 404
    assert client.post("/checkout/cancel", data={"order": number}).status_code == 404
    unchanged(pending, standin, trainer)


def test_cancel_after_paying_before_the_webhook_keeps_the_order_paid(app, client, standin, trainer, pending):
    standin.pay(pending.stripe_session_id)  # paid in another tab; no webhook has come

    response = press_cancel(client, pending.number)

    assert response.status_code == 303 and not response.headers["Location"].endswith("/cart")
    assert "already paid" in page_text(client.get("/"))
    order = reload(pending)
    assert order.status is OrderStatus.PAID and order.stock_state is StockState.SOLD
    assert stock_of(trainer) == 3 and outbox_count() == 1
    assert stripe_session(standin, order.stripe_session_id)["status"] == "complete"


def test_cancel_after_the_webhook_paid_changes_nothing(app, client, standin, live_shop, trainer):
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    standin.wait_for_deliveries()
    assert reload(order).status is OrderStatus.PAID

    assert "Your order is already paid" in page_text(client.get(f"/checkout/cancel?order={order.number}"))
    response = press_cancel(client, order.number)

    assert response.status_code == 303
    order = reload(order)
    assert order.status is OrderStatus.PAID and order.cancelled_at is None
    assert stock_of(trainer) == 3 and outbox_count() == 1


def test_cancel_while_stripe_is_unreachable_leaves_the_order_for_stripe_to_settle(app, client, standin, trainer, pending):
    # The session may still be paid; only Stripe's word (webhook or reconcile) may close it.
    point_stripe_at(app, STRIPE_API_BASE=closed_port_url())

    response = press_cancel(client, pending.number)

    assert response.status_code == 303
    order = reload(pending)
    assert order.status is OrderStatus.PENDING and order.stock_state is StockState.RESERVED
    assert stock_of(trainer) == 3


# ---------------------------------------------------------------- success

@pytest.mark.parametrize("session_id", ["cs_test_a1b2c3d4e5f6", "", "cs_" + "x" * 300, "pi_123", "../../admin"])
def test_success_page_for_an_unknown_session_shows_nothing(app, standin, pending, session_id):
    response = app.test_client().get("/checkout/success", query_string={"session_id": session_id})

    assert response.status_code == 404
    text = page_text(response)
    assert pending.number not in text and "SteadyHand Trainer" not in text and "$" not in text
    assert reload(pending).status is OrderStatus.PENDING


def test_success_page_for_a_real_stripe_session_we_did_not_create_is_not_found(app, client, standin, pending):
    theirs = standin.client().v1.checkout.sessions.create(params={
        "mode": "payment", "client_reference_id": pending.number,  # even naming our order
        "success_url": "https://elsewhere.example/ok",
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "X"}},
                        "quantity": 1}],
    })
    standin.pay(theirs.id)

    response = client.get(f"/checkout/success?session_id={theirs.id}")

    assert response.status_code == 404
    assert pending.number not in page_text(response)
    order = reload(pending)
    assert order.status is OrderStatus.PENDING and outbox_count() == 0


def test_success_page_after_a_delayed_payment_says_we_are_waiting(app, client, standin, trainer, pending):
    standin.pay(pending.stripe_session_id, method="delayed")

    response = client.get(f"/checkout/success?session_id={pending.stripe_session_id}")

    assert response.status_code == 200
    text = page_text(response)
    assert "waiting for your payment" in text and pending.number in text
    order = reload(pending)
    assert order.status is OrderStatus.PENDING and order.stock_state is StockState.RESERVED
    assert AWAITING_PAYMENT in [e.message for e in order.events]
    assert outbox_count() == 0 and stock_of(trainer) == 3


def test_success_page_after_paying_confirms_the_order(app, client, standin, trainer, pending):
    standin.pay(pending.stripe_session_id)

    response = client.get(f"/checkout/success?session_id={pending.stripe_session_id}")

    assert response.status_code == 200
    text = page_text(response)
    assert "Your order is confirmed" in text and pending.number in text and "$69.75" in text
    order = reload(pending)
    assert order.status is OrderStatus.PAID and outbox_count() == 1 and stock_of(trainer) == 3
    assert "No products in the cart." in page_text(client.get("/cart"))


def test_success_page_while_stripe_is_unreachable_shows_what_we_know(app, client, standin, pending):
    standin.pay(pending.stripe_session_id)
    point_stripe_at(app, STRIPE_API_BASE=closed_port_url())

    response = client.get(f"/checkout/success?session_id={pending.stripe_session_id}")

    assert response.status_code == 200
    assert "waiting for your payment" in page_text(response)
    assert reload(pending).status is OrderStatus.PENDING  # the webhook will fulfil it


def test_success_page_for_an_unpaid_open_session_does_not_pay(app, client, standin, trainer, pending):
    response = client.get(f"/checkout/success?session_id={pending.stripe_session_id}")

    assert response.status_code == 200
    assert "Your order is confirmed" not in page_text(response)
    assert reload(pending).status is OrderStatus.PENDING and outbox_count() == 0
    assert db.session.scalar(sa.select(Order.paid_at)) is None


def test_cancel_after_starting_a_bank_payment_says_it_is_still_open(app, client, standin, trainer, pending):
    standin.pay(pending.stripe_session_id, method="delayed")

    response = press_cancel(client, pending.number)

    assert response.status_code == 303
    text = page_text(client.get(response.headers["Location"]))
    assert "still open while its payment is confirmed" in text and "You did not pay" not in text
    order = reload(pending)
    assert order.status is OrderStatus.PENDING and order.stock_state is StockState.RESERVED
    assert stock_of(trainer) == 3


def test_reloading_the_success_page_of_a_paid_order_does_not_call_stripe(app, client, standin, pending):
    # Found by probing: each view of the success page called Stripe, a reload or a crawler too.
    standin.pay(pending.stripe_session_id)
    assert "Your order is confirmed" in page_text(client.get(f"/checkout/success?session_id={pending.stripe_session_id}"))
    failing = AlwaysFailingStripe()
    try:
        point_stripe_at(app, STRIPE_API_BASE=failing.url)
        pages = [client.get(f"/checkout/success?session_id={pending.stripe_session_id}") for _ in range(3)]
        assert failing.hits == 0
    finally:
        failing.stop()
    assert all(p.status_code == 200 and "Your order is confirmed" in page_text(p) for p in pages)
