"""Refunds: sent by staff from the staff area, and every refund Stripe tells us of
(including those made in Stripe's dashboard), kept against the order."""
from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from shop.audit.services import Actor, record_change
from shop.database import begin_write
from shop.errors import Conflict, ShopError, Unavailable
from shop.extensions import db
from shop.money import format_money
from shop.orders.downloads import revoke_line_links
from shop.orders.emails import queue_refund
from shop.orders.models import LIVE_REFUND_STATUSES, EventKind, Order, OrderRefund, OrderStatus
from shop.orders.services import id_of, lock_order, locked_order
from shop.payments import gateway

log = logging.getLogger(__name__)


class RefundAmountInvalid(ShopError):
    """The amount typed cannot be refunded (zero, or more than is left). Nothing was changed."""


class RefundUnavailable(Unavailable):
    title = "Stripe did not answer"

    def __init__(self) -> None:
        super().__init__("We could not reach Stripe, so nothing was refunded and nothing was changed. "
                         "Please try again in a few minutes.")


def refunds_of(order: Order) -> list[OrderRefund]:
    return list(db.session.scalars(
        select(OrderRefund).where(OrderRefund.order_id == order.id).order_by(OrderRefund.id)
    ))


def refundable_cents(order: Order, refunds: list[OrderRefund]) -> int:
    """What is left to refund. Refunds staff just sent count at once (their rows are
    written when Stripe answers), before the webhook updates amount_refunded_cents."""
    if not order.is_paid:
        return 0
    asked = sum(r.amount_cents for r in refunds if r.status in LIVE_REFUND_STATUSES)
    return max(0, order.total_cents - max(order.amount_refunded_cents, asked))


@dataclass(frozen=True)
class RefundSent:
    amount_cents: int
    currency: str
    stripe_refund_id: str
    repeated: bool  # the same form sent twice: Stripe answered with the first refund


def refund_order(number: str, *, amount_cents: int | None, attempt: str, actor: Actor,
                 line_ids: Collection[int] = ()) -> RefundSent:
    """Ask Stripe to refund `amount_cents` (None: everything left) and record it. The lines
    named in `line_ids` are marked refunded: their download links stop working.

    Three steps, so no lock is held while Stripe is on the line: check the amount under
    the order's lock; call Stripe; record the refund and an order event under the lock.
    The order's status is not changed here: Stripe's charge.refunded webhook moves it.
    Idempotent per `attempt` (one per rendered form): sending the same form twice
    gives Stripe the same idempotency key, so money goes back once.

    Raises OrderNotFound, Conflict (not refundable, or Stripe said no),
    RefundAmountInvalid, or RefundUnavailable; in each case nothing was changed.
    """
    begin_write()
    order = locked_order(number)
    try:
        if not order.is_paid:
            raise Conflict(f"Order {order.number} was never paid, so there is nothing to refund.")
        if not order.stripe_payment_intent_id:
            raise Conflict(f"Order {order.number} has no Stripe payment on record. "
                           "Please refund it in Stripe's dashboard.")
        left = refundable_cents(order, refunds_of(order))
        if left <= 0:
            raise Conflict(f"Order {order.number} has already been refunded in full.")
        amount = left if amount_cents is None else amount_cents
        if amount <= 0:
            raise RefundAmountInvalid("Enter an amount above zero, for example 12.50.")
        if amount > left:
            raise RefundAmountInvalid(
                f"That is more than is left to refund. At most {format_money(left, order.currency)} can be refunded."
            )
        payment_intent, currency = order.stripe_payment_intent_id, order.currency
    finally:
        db.session.rollback()  # only read: let go of the lock before calling Stripe

    try:
        refund = gateway.create_refund(payment_intent, amount, idempotency_key=f"staff-refund-{number}-{attempt}-{amount}")
    except gateway.PaymentProviderUnavailable as exc:
        raise RefundUnavailable() from exc
    except gateway.PaymentProviderRefused as exc:
        raise Conflict(f"Stripe refused this refund ({exc}). Nothing was refunded.") from exc

    begin_write()
    order = locked_order(number)
    refund_id, refunded = refund["id"], int(refund["amount"])
    # The refund.created webhook may have written the row already (without a requester);
    # a repeated form finds the row it wrote the first time.
    row = db.session.scalar(select(OrderRefund).where(OrderRefund.stripe_refund_id == refund_id))
    repeated = row is not None and row.requested_by is not None
    if row is None:
        row = OrderRefund(order_id=order.id, stripe_refund_id=refund_id, amount_cents=refunded,
                          status=refund.get("status") or "pending", reason=refund.get("reason"))
        db.session.add(row)
    if not repeated:
        row.requested_by = actor.email
        record_change(actor, "order.refund_sent", "order", order.number,
                      changes={"refund_cents": (None, refunded), "stripe_refund": (None, refund_id)})
        order.record(EventKind.REFUND_REQUESTED, source=actor.source, message=(
            f"Refund of {format_money(refunded, currency)} sent to Stripe ({refund_id}). "
            "The status changes when Stripe confirms it."
        ))
    chosen = set(line_ids)
    revoke_line_links(order, [line for line in order.lines if line.id in chosen], source=actor.source)
    db.session.commit()
    log.info("refund %s of order %s by %s", refund_id, number, actor.email)
    return RefundSent(refunded, currency, refund_id, repeated)


# ---------------------------------------------------------------- what Stripe reports

def _order_for_charge(obj: dict[str, Any]) -> Order | None:
    intent = id_of(obj.get("payment_intent"))
    return lock_order(payment_intent_id=intent) if intent else None


def _settle_refund_status(order: Order, refunded: int, *, source: str) -> str:
    refunded = max(0, min(refunded, order.total_cents))
    if refunded == order.amount_refunded_cents:
        return "no change"
    if refunded > order.amount_refunded_cents:
        queue_refund(order, refunded_cents=refunded, this_time_cents=refunded - order.amount_refunded_cents)
    if refunded >= order.total_cents:
        # All the money went back: nothing bought may still be downloaded.
        revoke_line_links(order, [line for line in order.lines if line.is_digital], source=source)
    order.amount_refunded_cents = refunded
    if refunded == 0:
        target = OrderStatus.PAID
    elif refunded >= order.total_cents:
        target = OrderStatus.REFUNDED
    else:
        target = OrderStatus.PARTIALLY_REFUNDED
    message = f"Refunded {refunded} of {order.total_cents} {order.currency.upper()} (minor units)"
    if order.status is target and target is not OrderStatus.PARTIALLY_REFUNDED:
        order.record(EventKind.REFUND_TOTAL, source=source, message=message)
    elif order.can_move_to(target):
        order.transition_to(target, source=source, message=message)
    else:
        order.flag_for_review(f"refund reported for a {order.status.value} order", source=source)
    return target.value


def apply_charge_refunded(charge: dict[str, Any], *, source: str) -> str:
    """charge.refunded: the charge's amount_refunded is Stripe's running total."""
    order = _order_for_charge(charge)
    if order is None:
        log.warning("refund for a charge we do not know (%s)", source)
        return "unknown order"
    return _settle_refund_status(order, int(charge.get("amount_refunded") or 0), source=source)


def apply_refund(refund: dict[str, Any], *, source: str) -> str:
    """refund.created / refund.updated / refund.failed: keep our copy of each refund, and
    when one fails, give the order back the amount that was not refunded after all."""
    order = _order_for_charge(refund)
    if order is None:
        log.warning("refund %s for a payment we do not know (%s)", refund.get("id"), source)
        return "unknown order"
    row = db.session.scalar(select(OrderRefund).where(OrderRefund.stripe_refund_id == refund["id"]))
    if row is None:
        row = OrderRefund(order_id=order.id, stripe_refund_id=refund["id"], amount_cents=int(refund.get("amount") or 0), status="")
        db.session.add(row)
    row.status = refund.get("status") or "pending"
    row.reason = refund.get("reason")
    db.session.flush()
    if row.status in {"failed", "canceled"}:
        live = db.session.scalars(
            select(OrderRefund.amount_cents).where(
                OrderRefund.order_id == order.id, OrderRefund.status.in_(LIVE_REFUND_STATUSES)
            )
        ).all()
        order.record(EventKind.REFUND_CHANGED, source=source, message=f"Refund {refund['id']} {row.status}")
        return _settle_refund_status(order, sum(live), source=source)
    return f"refund {row.status}"
