"""Catching up with Stripe when a webhook never came."""
from __future__ import annotations

import logging
from datetime import timedelta

from shop.checkout.services import fulfil_order
from shop.database import begin_write, utcnow
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from shop.payments import gateway

log = logging.getLogger(__name__)


def reconcile_pending_orders(grace: timedelta = timedelta(minutes=5)) -> list[tuple[str, str]]:
    """For each pending order whose session should be over, apply Stripe's word.
    One transaction per order, so one failure does not hold back the rest."""
    results = []
    for order_id in orders.orders_to_reconcile(utcnow(), grace):
        order = db.session.get(Order, order_id)
        number, session_id = order.number, order.stripe_session_id
        db.session.rollback()
        try:
            outcome = _reconcile_one(order_id, session_id)
        except gateway.PaymentProviderUnavailable:
            outcome = "Stripe unavailable; will try again"
        except gateway.PaymentProviderRefused as exc:
            outcome = f"Stripe refused: {exc}"
        log.info("reconcile %s: %s", number, outcome)
        results.append((number, outcome))
    return results


def _reconcile_one(order_id: int, session_id: str | None) -> str:
    source = "reconcile"
    if session_id is None:
        begin_write()
        order = orders.lock_order(order_id=order_id)
        orders.cancel_pending_order(order, source=source, message="Never reached Stripe; stock handed back")
        db.session.commit()
        return "cancelled (never reached Stripe)"
    session = gateway.retrieve_checkout_session(session_id)
    if session.get("status") == "open":
        session = gateway.expire_checkout_session(session_id)
    if session.get("status") == "complete":
        return fulfil_order(session, source=source).outcome
    begin_write()
    outcome = orders.apply_session_ended(session, OrderStatus.EXPIRED, source=source,
                                         message="Stripe reports the session expired; stock handed back")
    db.session.commit()
    return outcome
