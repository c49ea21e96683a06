"""What each Stripe event means for our orders.

`handle_event` is one transaction: it records the event id (primary key, so a second
delivery, even a simultaneous one on another server, stops at the insert) and applies
the event to its order under a row lock. A paid session goes through checkout's own
fulfilment (the order is paid and its cart emptied); the rest of an order's life is the
orders package's.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from sqlalchemy.exc import IntegrityError

from shop.checkout.services import apply_paid_session
from shop.database import begin_write
from shop.extensions import db
from shop.orders import refunds
from shop.orders import services as orders
from shop.orders.models import OrderStatus, StripeEvent

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
}


def handle_event(event: dict[str, Any]) -> str:
    """Apply one verified Stripe event, once. Returns what happened, for the log."""
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return "ignored"
    obj = event["data"].get("object") or {}
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
