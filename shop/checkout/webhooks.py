"""What each Stripe event means for our orders.

`handle_event` is one transaction: it records the event id (primary key, so a second
delivery, even a simultaneous one on another server, stops at the insert) and applies
the event to its order under a row lock. A paid session goes through checkout's own
fulfilment (the order is paid and its cart emptied); the rest of an order's life is the
orders package's.

Dispute events are applied from the dispute as Stripe describes it now, read again
before the transaction begins (no lock is held while Stripe answers): Stripe does not
promise to deliver events in order, and a dispute's latest state is what staff must see.
If Stripe cannot be reached, the event is not recorded and the webhook answers 503, so
Stripe delivers it again later.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.exc import IntegrityError

from shop.checkout.services import apply_paid_session
from shop.database import begin_write, utcnow
from shop.extensions import db
from shop.orders import disputes, refunds
from shop.orders import services as orders
from shop.orders.models import OrderStatus, StripeEvent
from shop.payments import gateway

log = logging.getLogger(__name__)


def _session_completed(session: dict[str, Any], source: str) -> str:
    # Paid cards arrive as payment_status "paid"; delayed methods complete "unpaid" and
    # are settled later by async_payment_succeeded / async_payment_failed.
    return apply_paid_session(session, source=source).outcome


def _session_async_failed(session: dict[str, Any], source: str) -> str:
    return orders.apply_session_ended(session, OrderStatus.PAYMENT_FAILED, source=source,
                                      message="The delayed payment failed; stock handed back")


def _session_expired(session: dict[str, Any], source: str) -> str:
    return orders.apply_session_ended(session, OrderStatus.EXPIRED, source=source,
                                      message="The Checkout Session expired unpaid; stock handed back")


HANDLERS: dict[str, Callable[[dict[str, Any], str], str]] = {
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _session_completed,
    "checkout.session.async_payment_failed": _session_async_failed,
    "checkout.session.expired": _session_expired,
    "charge.refunded": lambda charge, source: refunds.apply_charge_refunded(charge, source=source),
    "refund.created": lambda refund, source: refunds.apply_refund(refund, source=source),
    "refund.updated": lambda refund, source: refunds.apply_refund(refund, source=source),
    "refund.failed": lambda refund, source: refunds.apply_refund(refund, source=source),
    "charge.succeeded": lambda charge, source: orders.apply_charge_succeeded(charge, source=source),
}

# Events whose object is read again from Stripe and applied with the time it was read.
REREAD_HANDLERS: dict[str, tuple[Callable[[str], dict[str, Any]], Callable[..., str]]] = {
    event_type: (gateway.retrieve_dispute, disputes.apply_dispute)
    for event_type in ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed")
}


def handle_event(event: dict[str, Any]) -> str:
    """Apply one verified Stripe event, once. Returns what happened, for the log. Raises
    gateway.PaymentProviderUnavailable when an event that needs Stripe's current object
    cannot get it (nothing is recorded: Stripe will deliver the event again)."""
    handler = HANDLERS.get(event["type"])
    obj = event["data"].get("object") or {}
    if event["type"] in REREAD_HANDLERS:
        if db.session.get(StripeEvent, event["id"]) is not None:
            db.session.rollback()
            return "duplicate"  # spare Stripe the call; the insert below is what guarantees it
        read, apply = REREAD_HANDLERS[event["type"]]
        read_at = utcnow()
        try:
            obj = read(str(obj.get("id") or ""))
        except gateway.PaymentProviderRefused:
            log.warning("stripe event %s: Stripe does not know %s", event["id"], obj.get("id"))
            return "unknown to Stripe"
        handler = _with_read_time(apply, read_at)
    if handler is None:
        return "ignored"
    begin_write()
    record = StripeEvent(id=event["id"], type=event["type"])
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    outcome = handler(obj, f"stripe:{event['id']}")
    record.outcome = outcome
    db.session.commit()
    log.info("stripe event %s %s: %s", event["id"], event["type"], outcome)
    return outcome


def _with_read_time(apply: Callable[..., str], read_at: datetime) -> Callable[[dict[str, Any], str], str]:
    return lambda obj, source: apply(obj, source=source, read_at=read_at)
