"""POST /webhooks/stripe: the signature is checked on the raw bytes before anything is
read, and each event moves the order once, the way its type says.

Signature tests sign with our own helper (Stripe's algorithm); lifecycle tests let the
stand-in deliver its own signed events to the shop served on loopback."""
from __future__ import annotations

import copy
import json
import logging
import time

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Order, OrderRefund, OrderStatus, StockState, StripeEvent
from shop.orders.services import AWAITING_PAYMENT
from shop.outbox.models import OutboxEmail
from shop.payments import gateway
from tests.checkout.conftest import WEBHOOK_SECRET
from tests.checkout.support import (
    cart_lines,
    checkout,
    count,
    deliver,
    event_body,
    fresh,
    last_event,
    outbox_count,
    paid_transitions,
    post_webhook,
    reload,
    stock_of,
    stripe_event,
    stripe_event_rows,
    stripe_signature,
)
from tests.factories import make_product


@pytest.fixture
def trainer(app):
    return make_product(name="SteadyHand Trainer", price_cents=2990, stock=5)


@pytest.fixture
def paid_at_stripe(app, client, standin, trainer):
    """An order of 2 trainers paid at the stand-in, whose webhook nobody delivered yet."""
    order = checkout(client, trainer, 2)
    assert standin.pay(order.stripe_session_id)["outcome"] == "succeeded"
    return order


def completed_body(standin) -> str:
    return event_body(last_event(standin, "checkout.session.completed"))


def all_delivered_ok(standin) -> None:
    """Every event the stand-in delivered was answered 200 at once (no 5xx, no retry)."""
    standin.wait_for_deliveries()
    delivered = 0
    for event in standin.events():
        attempts = [a for d in standin.deliveries(event["id"]) for a in d["attempts"]]
        assert all(a["status_code"] == 200 for a in attempts), (event["type"], attempts)
        delivered += len(attempts)
    assert delivered


def nothing_happened(order: Order, trainer) -> None:
    order = reload(order)
    assert order.status is OrderStatus.PENDING and not order.needs_review
    assert stock_of(trainer) == 3 and order.stock_state is StockState.RESERVED
    assert stripe_event_rows() == 0 and outbox_count() == 0


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


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: (body, stripe_signature(body, "whsec_wrong")), id="wrong-secret"),
        pytest.param(lambda body: (body.replace('"amount_total": 6975', '"amount_total": 1'),
                                   stripe_signature(body, WEBHOOK_SECRET)), id="amount-changed-after-signing"),
        pytest.param(lambda body: (body + "\n", stripe_signature(body, WEBHOOK_SECRET)), id="newline-added"),
        pytest.param(lambda body: (json.dumps(json.loads(body)), stripe_signature(body, WEBHOOK_SECRET)),
                     id="reformatted-json"),
        pytest.param(lambda body: (body, stripe_signature(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)),
                     id="stale-timestamp"),
        pytest.param(lambda body: (body, None), id="missing-header"),
        pytest.param(lambda body: (body, ""), id="empty-header"),
        pytest.param(lambda body: (body, stripe_signature(body, WEBHOOK_SECRET, scheme="v0")), id="only-v0-scheme"),
        pytest.param(lambda body: (body, f"t={int(time.time())}"), id="no-signature"),
        pytest.param(lambda body: (body, "v1=abc,t=soon"), id="garbled-header"),
    ],
)
def test_an_event_that_fails_the_signature_check_is_refused(app, client, standin, trainer, paid_at_stripe, forge):
    assert '"amount_total": 6975' in completed_body(standin)
    body, signature = forge(completed_body(standin))

    response = post_webhook(client, body, signature)

    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid signature"}
    nothing_happened(paid_at_stripe, trainer)


def test_a_timestamp_within_five_minutes_is_accepted(app, client, standin, paid_at_stripe):
    body = completed_body(standin)

    response = post_webhook(client, body, stripe_signature(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 280))

    assert response.status_code == 200
    assert reload(paid_at_stripe).status is OrderStatus.PAID


def test_one_good_signature_among_several_is_enough(app, client, standin, paid_at_stripe):
    # Stripe sends one v1 per active secret while a secret is being rolled.
    body = completed_body(standin)
    good = stripe_signature(body, WEBHOOK_SECRET)
    old = stripe_signature(body, "whsec_old").split(",")[1]

    response = post_webhook(client, body, f"{good},{old}")

    assert response.status_code == 200 and reload(paid_at_stripe).status is OrderStatus.PAID


@pytest.mark.parametrize("body", ["not json at all", "[1, 2, 3]", '{"id": "evt_1", "type": "x"}', b"\xff\xfe\x00"],
                         ids=["text", "json-list", "no-data", "not-utf8"])
def test_a_signed_body_that_is_not_a_stripe_event_is_refused(app, client, body):
    response = post_webhook(client, body, stripe_signature(body, WEBHOOK_SECRET))

    assert response.status_code == 400
    assert stripe_event_rows() == 0


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
    assert outbox_count() == 0


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


@pytest.fixture
def paid_order(app, client, standin, live_shop, trainer):
    """A paid order of 2 trainers (total 69.75), the webhook delivered."""
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    all_delivered_ok(standin)
    order = reload(order)
    assert order.status is OrderStatus.PAID and order.total_cents == 6975
    return order


def test_a_full_refund_from_the_dashboard_refunds_the_order(app, standin, paid_order, trainer):
    standin.refund_from_dashboard(paid_order.stripe_payment_intent_id)
    all_delivered_ok(standin)

    order = reload(paid_order)
    assert order.status is OrderStatus.REFUNDED and order.amount_refunded_cents == 6975
    assert order.refunded_at is not None
    assert [r.status for r in db.session.scalars(sa.select(OrderRefund))] == ["succeeded"]
    assert stock_of(trainer) == 3  # refunds do not restock by themselves


def test_partial_refunds_add_up_to_a_full_refund(app, standin, paid_order):
    # One refund through our gateway, one from the dashboard: both are Stripe's word.
    gateway.create_refund(paid_order.stripe_payment_intent_id, 1000, idempotency_key="test-refund-1")
    all_delivered_ok(standin)
    order = reload(paid_order)
    assert order.status is OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded_cents == 1000

    standin.refund_from_dashboard(paid_order.stripe_payment_intent_id, amount=2000)
    all_delivered_ok(standin)
    order = reload(paid_order)
    assert order.status is OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded_cents == 3000

    standin.refund_from_dashboard(paid_order.stripe_payment_intent_id)
    all_delivered_ok(standin)
    order = reload(paid_order)
    assert order.status is OrderStatus.REFUNDED and order.amount_refunded_cents == 6975
    assert count(OrderRefund, OrderRefund.order_id == order.id) == 3


def test_a_partial_refund_that_fails_returns_the_order_to_paid(app, standin, paid_order):
    refund = standin.refund_from_dashboard(paid_order.stripe_payment_intent_id, amount=1500)
    all_delivered_ok(standin)
    assert reload(paid_order).status is OrderStatus.PARTIALLY_REFUNDED

    standin.fail_refund(refund["id"])
    all_delivered_ok(standin)

    order = reload(paid_order)
    assert {"refund.updated", "refund.failed"} <= {e["type"] for e in standin.events()}
    assert order.status is OrderStatus.PAID and order.amount_refunded_cents == 0
    assert db.session.scalar(sa.select(OrderRefund.status).where(OrderRefund.stripe_refund_id == refund["id"])) == "failed"


def test_one_of_two_refunds_failing_leaves_the_other_counted(app, standin, paid_order):
    standin.refund_from_dashboard(paid_order.stripe_payment_intent_id, amount=1000)
    second = standin.refund_from_dashboard(paid_order.stripe_payment_intent_id, amount=5975)
    all_delivered_ok(standin)
    assert reload(paid_order).status is OrderStatus.REFUNDED

    standin.fail_refund(second["id"])
    all_delivered_ok(standin)

    order = reload(paid_order)
    assert order.status is OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded_cents == 1000


def test_refund_updated_alone_settles_the_failed_refund(app, client, standin, trainer, paid_at_stripe):
    # Our endpoint may be subscribed to refund.updated only: that event alone must do it.
    deliver(client, last_event(standin, "checkout.session.completed"), WEBHOOK_SECRET)
    intent = reload(paid_at_stripe).stripe_payment_intent_id
    refund = standin.refund_from_dashboard(intent, amount=500)
    for kind in ("refund.created", "charge.refunded"):
        assert deliver(client, last_event(standin, kind), WEBHOOK_SECRET).status_code == 200
    assert reload(paid_at_stripe).status is OrderStatus.PARTIALLY_REFUNDED

    standin.fail_refund(refund["id"])
    response = deliver(client, last_event(standin, "refund.updated"), WEBHOOK_SECRET)

    assert response.status_code == 200 and response.get_json()["outcome"] == "paid"
    order = reload(paid_at_stripe)
    assert order.status is OrderStatus.PAID and order.amount_refunded_cents == 0


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
