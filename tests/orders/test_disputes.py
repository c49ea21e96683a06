"""Disputes: charge.dispute.created/updated/closed, signed by the stand-in as Stripe signs
them, are recorded against the order once, flag it with the date an answer is due, and
end on Stripe's latest word whatever order they arrive in."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.database import begin_write, utcnow
from shop.extensions import db
from shop.orders.disputes import apply_dispute
from shop.orders.models import EventKind, OrderDispute, OrderEvent, StripeEvent
from tests.support.db import count, reload
from tests.support.html import page_text
from tests.support.live import closed_port_url
from tests.support.stripe import WEBHOOK_SECRET, all_delivered_ok, deliver, last_event, point_stripe_at


def dispute_rows() -> list[OrderDispute]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OrderDispute).order_by(OrderDispute.id)))


def dispute_history(order) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OrderEvent.message).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == EventKind.DISPUTE).order_by(OrderEvent.id)))


def test_a_new_dispute_flags_the_order_with_the_date_to_answer_by(app, standin, paid_order, staff_client):
    opened = standin.open_dispute(paid_order.stripe_payment_intent_id, reason="product_not_received")
    all_delivered_ok(standin)

    [row] = dispute_rows()
    assert (row.stripe_dispute_id, row.status, row.reason, row.amount_cents) == (
        opened["id"], "needs_response", "product_not_received", 6975)
    assert int(row.evidence_due_by.timestamp()) == opened["evidence_details"]["due_by"]
    order = reload(paid_order)
    assert order.needs_review and "says the order never arrived" in order.review_reason
    due = f"{row.evidence_due_by:%d %B %Y, %H:%M} UTC"
    assert f"Answer by {due}" in order.review_reason

    staff_page = page_text(staff_client.get(f"/admin/orders/{order.number}"))
    assert "Disputes" in staff_page and opened["id"] in staff_page and "needs response" in staff_page
    home = page_text(staff_client.get("/admin"))
    assert "Disputes to answer 1" in home and "The next answer is due by" in home
    listed = page_text(staff_client.get("/admin/orders?status=disputed"))
    assert order.number in listed


def test_the_dispute_follows_stripe_to_its_end(app, standin, paid_order, staff_client):
    dispute_id = standin.open_dispute(paid_order.stripe_payment_intent_id)["id"]
    all_delivered_ok(standin)
    standin.decide_dispute(dispute_id, "under_review")
    all_delivered_ok(standin)
    assert dispute_rows()[0].status == "under_review"
    assert "Disputes to answer 0" in page_text(staff_client.get("/admin"))
    assert paid_order.number in page_text(staff_client.get("/admin/orders?status=disputed"))

    standin.decide_dispute(dispute_id, "lost")
    all_delivered_ok(standin)
    assert dispute_rows()[0].status == "lost"
    history = dispute_history(paid_order)
    assert len(history) == 3 and "is now open: our answer is being reviewed" in history[1] and "lost" in history[2]
    assert "Dispute lost: $69.75 went back to the shopper" in reload(paid_order).review_reason
    assert paid_order.number not in page_text(staff_client.get("/admin/orders?status=disputed"))
    outcomes = db.session.scalars(sa.select(StripeEvent.outcome).where(StripeEvent.type.like("charge.dispute.%"))).all()
    assert sorted(outcomes) == ["dispute lost", "dispute needs_response", "dispute under_review"]


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_second_delivery_of_a_dispute_event_changes_nothing(app, client, standin, paid_order):
    standin.open_dispute(paid_order.stripe_payment_intent_id)
    all_delivered_ok(standin)
    created = last_event(standin, "charge.dispute.created")
    standin.resend_event(created["id"])
    all_delivered_ok(standin)
    again = deliver(client, created, WEBHOOK_SECRET)
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert len(dispute_rows()) == 1 and len(dispute_history(paid_order)) == 1
    assert count(StripeEvent, StripeEvent.id == created["id"]) == 1
    assert reload(paid_order).review_reason.count("Dispute for") == 1


def test_events_arriving_out_of_order_end_on_stripes_latest_word(app, client, standin, paid_order):
    standin.set_webhook_url(None)  # we deliver, in the wrong order
    dispute_id = standin.open_dispute(paid_order.stripe_payment_intent_id, inquiry=True)["id"]
    standin.decide_dispute(dispute_id, "needs_response")
    standin.decide_dispute(dispute_id, "won")
    created, updated, closed = (last_event(standin, t) for t in
                                ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"))
    assert created["data"]["object"]["status"] == "warning_needs_response"  # what the stale snapshots say

    outcomes = [deliver(client, event, WEBHOOK_SECRET).get_json()["outcome"] for event in (closed, created, updated)]
    assert outcomes == ["dispute won", "dispute won", "dispute won"]
    [row] = dispute_rows()
    assert row.status == "won" and row.evidence_due_by is not None
    assert len(dispute_history(paid_order)) == 1  # opened (as Stripe has it now: won); nothing moved after
    assert count(StripeEvent, StripeEvent.type.like("charge.dispute.%")) == 3


def test_an_older_reading_never_overwrites_a_newer_one(app, standin, paid_order):
    standin.set_webhook_url(None)  # only the readings below
    dispute = standin.open_dispute(paid_order.stripe_payment_intent_id)
    now = utcnow()
    begin_write()
    assert apply_dispute({**dispute, "status": "lost"}, source="test", read_at=now) == "dispute lost"
    db.session.commit()
    begin_write()
    stale = apply_dispute({**dispute, "status": "needs_response"}, source="test", read_at=now - timedelta(seconds=1))
    db.session.commit()
    assert stale.startswith("dispute lost (kept") and dispute_rows()[0].status == "lost"


def test_when_stripe_cannot_be_asked_the_event_waits_for_its_next_delivery(app, client, standin, paid_order):
    standin.set_webhook_url(None)
    standin.open_dispute(paid_order.stripe_payment_intent_id)
    created = last_event(standin, "charge.dispute.created")
    point_stripe_at(app, STRIPE_API_BASE=closed_port_url())
    refused = deliver(client, created, WEBHOOK_SECRET)
    assert refused.status_code == 503 and dispute_rows() == []
    assert count(StripeEvent, StripeEvent.id == created["id"]) == 0  # not recorded: Stripe sends it again

    point_stripe_at(app, STRIPE_API_BASE=standin.base_url)
    assert deliver(client, created, WEBHOOK_SECRET).get_json()["outcome"] == "dispute needs_response"
    assert len(dispute_rows()) == 1


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_dispute_stripe_does_not_know_or_for_a_payment_we_do_not_have(app, client, standin, paid_order):
    standin.set_webhook_url(None)
    dispute = standin.open_dispute(paid_order.stripe_payment_intent_id)
    event = last_event(standin, "charge.dispute.created")
    forged = {**event, "id": "evt_forged_but_signed", "data": {"object": {**dispute, "id": "du_not_at_stripe"}}}
    assert deliver(client, forged, WEBHOOK_SECRET).get_json()["outcome"] == "unknown to Stripe"
    db.session.execute(sa.update(type(paid_order)).values(stripe_payment_intent_id="pi_someone_else"))
    db.session.commit()
    assert deliver(client, event, WEBHOOK_SECRET).get_json()["outcome"] == "unknown order"
    assert dispute_rows() == []
