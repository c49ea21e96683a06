"""POST /webhooks/stripe: the signature is checked on the raw bytes before anything is
read, and each event moves the order once, the way its type says.

Signature tests sign with our own helper (Stripe's algorithm); lifecycle tests let the
stand-in deliver its own signed events to the shop served on loopback."""
from __future__ import annotations

import copy
import logging

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Order, OrderStatus, StockState, StripeEvent
from shop.orders.services import AWAITING_PAYMENT
from shop.outbox.models import OutboxEmail
from tests.support.db import (
    cart_lines,
    count,
    fresh,
    nothing_happened,
    outbox_count,
    paid_transitions,
    reload,
    stock_of,
    stripe_event_rows,
)
from tests.support.shopper import checkout
from tests.support.stripe import (
    WEBHOOK_SECRET,
    all_delivered_ok,
    completed_body,
    deliver,
    last_event,
    post_webhook,
    stripe_event,
    stripe_signature,
)

# ---------------------------------------------------------------- the signature

def test_a_correctly_signed_event_pays_the_order(app, client, standin, trainer, paid_at_stripe):
    body = completed_body(standin)

    response = post_webhook(client, body, stripe_signature(body, WEBHOOK_SECRET))

    assert response.status_code == 200 and response.get_json()["outcome"] == "fulfilled"
    order = reload(paid_at_stripe)
    assert order.status is OrderStatus.PAID and order.stock_state is StockState.SOLD
    assert order.total_cents == 2 * 2990 + 995 and order.email and order.stripe_payment_intent_id
    assert stock_of(trainer) == 3
    assert cart_lines(order.cart_token) == []
    assert stripe_event_rows() == 1 and outbox_count() == 1
    assert count(OutboxEmail, OutboxEmail.to_address == order.email) == 1










def test_an_unknown_event_type_is_acknowledged_and_ignored(app, client, standin, trainer, paid_at_stripe):
    session = last_event(standin, "checkout.session.completed")["data"]["object"]
    event = stripe_event("customer.created", {"id": "cus_123", "object": "customer"})
    also = stripe_event("checkout.session.unknown_future_type", session)

    assert deliver(client, event, WEBHOOK_SECRET).get_json() == {"received": True, "outcome": "ignored"}
    assert deliver(client, also, WEBHOOK_SECRET).status_code == 200
    nothing_happened(paid_at_stripe, trainer)


def test_an_event_for_an_order_we_do_not_have_is_acknowledged_and_logged(app, client, standin, caplog):
    stranger = standin.client().v1.checkout.sessions.create(params={
        "mode": "payment", "client_reference_id": "SH-NOTOURS2",
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "X"}},
                        "quantity": 1}],
    })
    standin.pay(stranger.id)
    event = last_event(standin, "checkout.session.completed")

    with caplog.at_level(logging.WARNING, logger="shop.orders.services"):
        response = deliver(client, event, WEBHOOK_SECRET)

    assert response.status_code == 200 and response.get_json()["outcome"] == "unknown order"
    assert any(stranger.id in r.getMessage() and "matches no order" in r.getMessage() for r in caplog.records)
    assert count(Order) == 0 and outbox_count() == 0
    assert db.session.scalar(sa.select(StripeEvent.outcome)) == "unknown order"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda s: s.update(amount_total=s["amount_total"] - 100), id="total-lower"),
        pytest.param(lambda s: s.update(amount_total=s["amount_total"] + 100), id="total-higher"),
        pytest.param(lambda s: s.update(currency="eur"), id="currency"),
        pytest.param(lambda s: s.update(amount_subtotal=100, amount_total=100 + 995), id="subtotal"),
        pytest.param(lambda s: s["total_details"].update(amount_shipping=0) or s.update(amount_total=5980),
                     id="shipping-dropped"),
    ],
)
def test_amounts_that_disagree_with_the_order_flag_it_and_do_not_pay(app, client, standin, trainer, paid_at_stripe, tamper):
    event = copy.deepcopy(last_event(standin, "checkout.session.completed"))
    tamper(event["data"]["object"])

    response = deliver(client, event, WEBHOOK_SECRET)

    assert response.status_code == 200 and response.get_json()["outcome"] == "flagged for review"
    order = reload(paid_at_stripe)
    assert order.needs_review and "disagree" in order.review_reason
    assert order.status is OrderStatus.PENDING and order.paid_at is None
    assert outbox_count() == 0
    assert cart_lines(order.cart_token) != []
    # A later, correct event does not pay a flagged order either: a person must look first.
    correct = stripe_event("checkout.session.completed", last_event(standin, "checkout.session.completed")["data"]["object"])
    assert deliver(client, correct, WEBHOOK_SECRET).get_json()["outcome"] == "flagged for review"
    assert reload(order).status is OrderStatus.PENDING and outbox_count() == 0


# ---------------------------------------------------------------- each event type, delivered by the stand-in

def test_completed_and_paid_pays_the_order(app, client, standin, live_shop, trainer):
    order = checkout(client, trainer, 2)

    standin.pay(order.stripe_session_id)
    all_delivered_ok(standin)

    order = reload(order)
    assert order.status is OrderStatus.PAID and order.stock_state is StockState.SOLD
    assert order.shipping_address["country"] and order.shipping_name
    assert stock_of(trainer) == 3 and outbox_count() == 1 and paid_transitions(order) == 1


def test_a_delayed_payment_waits_then_pays_when_it_succeeds(app, client, standin, live_shop, trainer):
    order = checkout(client, trainer, 1)

    paid = standin.pay(order.stripe_session_id, method="delayed")
    all_delivered_ok(standin)

    order = reload(order)
    assert order.status is OrderStatus.PENDING and order.stock_state is StockState.RESERVED
    assert AWAITING_PAYMENT in [e.message for e in order.events]
    assert outbox_count() == 0 and stock_of(trainer) == 4

    standin.settle(paid["payment_intent"], "succeeded")
    all_delivered_ok(standin)

    order = reload(order)
    assert order.status is OrderStatus.PAID and order.stock_state is StockState.SOLD
    assert stock_of(trainer) == 4 and outbox_count() == 1 and paid_transitions(order) == 1
    assert [e.message for e in order.events].count(AWAITING_PAYMENT) == 1


def test_a_delayed_payment_that_fails_hands_the_stock_back(app, client, standin, live_shop, trainer):
    order = checkout(client, trainer, 2)
    paid = standin.pay(order.stripe_session_id, method="delayed")
    all_delivered_ok(standin)

    standin.settle(paid["payment_intent"], "failed")
    all_delivered_ok(standin)

    order = reload(order)
    assert order.status is OrderStatus.PAYMENT_FAILED and order.failed_at is not None
    assert order.stock_state is StockState.RELEASED and stock_of(trainer) == 5
    # The shopper waited for their bank: they are told, once, that it did not go through.
    [email] = db.session.scalars(sa.select(OutboxEmail)).all()
    assert email.to_address == order.email and "did not go through" in email.subject and order.number in email.text_body


def test_an_expired_session_hands_the_stock_back(app, client, standin, live_shop, trainer):
    order = checkout(client, trainer, 2)

    standin.expire_now(order.stripe_session_id)
    all_delivered_ok(standin)

    order = reload(order)
    assert order.status is OrderStatus.EXPIRED and order.stock_state is StockState.RELEASED
    assert stock_of(trainer) == 5 and outbox_count() == 0
    # A second copy of the news changes nothing: the stock is not handed back twice.
    standin.resend_event(last_event(standin, "checkout.session.expired")["id"])
    all_delivered_ok(standin)
    assert stock_of(trainer) == 5












# ---------------------------------------------------------------- once only

def test_the_same_event_delivered_twice_is_processed_once(app, client, standin, live_shop, trainer):
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    all_delivered_ok(standin)
    completed = last_event(standin, "checkout.session.completed")

    standin.resend_event(completed["id"])
    all_delivered_ok(standin)

    assert [d["status"] for d in standin.deliveries(completed["id"])] == ["succeeded", "succeeded"]
    order = reload(order)
    assert order.status is OrderStatus.PAID and paid_transitions(order) == 1
    assert stock_of(trainer) == 3 and outbox_count() == 1
    assert count(StripeEvent, StripeEvent.id == completed["id"]) == 1


def test_success_page_then_webhook_fulfil_once(app, client, standin, live_shop, trainer):
    standin.set_webhook_url(None)  # the webhook is late
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)

    page = client.get(f"/checkout/success?session_id={order.stripe_session_id}")
    assert page.status_code == 200 and "confirmed" in page.get_data(as_text=True)
    standin.set_webhook_url(f"{live_shop.url}/webhooks/stripe")
    standin.resend_event(last_event(standin, "checkout.session.completed")["id"])
    all_delivered_ok(standin)

    order = reload(order)
    assert order.status is OrderStatus.PAID and paid_transitions(order) == 1
    assert stock_of(trainer) == 3 and outbox_count() == 1
    assert db.session.scalar(sa.select(StripeEvent.outcome)) == "already paid"


def test_webhook_then_success_page_fulfil_once(app, client, standin, live_shop, trainer):
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    all_delivered_ok(standin)

    page = client.get(f"/checkout/success?session_id={order.stripe_session_id}")
    again = client.get(f"/checkout/success?session_id={order.stripe_session_id}")

    assert page.status_code == again.status_code == 200
    order = reload(order)
    assert order.status is OrderStatus.PAID and paid_transitions(order) == 1
    assert stock_of(trainer) == 3 and outbox_count() == 1
    fresh()
