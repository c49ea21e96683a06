"""Refunds as Stripe reports them (charge.refunded, refund.*), including those made in Stripe's
dashboard and those that fail at the bank: each moves the order's refunded total once."""
from __future__ import annotations

import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import OrderRefund, OrderStatus
from shop.payments import gateway
from tests.support.db import (
    count,
    reload,
    stock_of,
)
from tests.support.stripe import (
    WEBHOOK_SECRET,
    all_delivered_ok,
    deliver,
    last_event,
)


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
