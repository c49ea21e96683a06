"""The life of an order after checkout, driven by what Stripe reports.

Each `apply_*` function works inside the caller's transaction on a locked order and is
idempotent: applying the same Stripe object twice changes nothing the second time. The
public functions without `apply_` own their transaction.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from shop.cart.services import empty_cart
from shop.catalog.models import Product
from shop.database import begin_write
from shop.extensions import db
from shop.orders.emails import queue_order_confirmation
from shop.orders.models import LIVE_REFUND_STATUSES, Order, OrderRefund, OrderStatus, StockState

log = logging.getLogger(__name__)

SHOPPER_CANCELLED = "Shopper returned from Stripe without paying; stock handed back"
AWAITING_PAYMENT = "Checkout complete; awaiting a delayed payment (such as a bank debit)"


class OrderNotFound(LookupError):
    pass


class OutOfStock(Exception):
    """A line cannot be reserved: fewer units left than the cart asks for."""

    def __init__(self, product_name: str, available: int):
        super().__init__(product_name)
        self.product_name = product_name
        self.available = available

    @property
    def message(self) -> str:
        if self.available <= 0:
            return f"Sorry, the {self.product_name} has just sold out. Please remove it from your cart to check out."
        return (f"Sorry, only {self.available} of the {self.product_name} are left. "
                "Please lower the quantity in your cart to check out.")


# ---------------------------------------------------------------- finding orders

def lock_order(*, order_id: int | None = None, session_id: str | None = None, number: str | None = None,
               payment_intent_id: str | None = None) -> Order | None:
    """Load one order under a row lock (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
    write transaction from begin_write() already serialises writers)."""
    query = select(Order).with_for_update()
    if order_id is not None:
        query = query.where(Order.id == order_id)
    elif session_id is not None:
        query = query.where(Order.stripe_session_id == session_id)
    elif number is not None:
        query = query.where(Order.number == number)
    elif payment_intent_id is not None:
        query = query.where(Order.stripe_payment_intent_id == payment_intent_id)
    else:  # pragma: no cover - programming error
        raise ValueError("say which order")
    return db.session.scalar(query)


def lock_order_for_session(session: dict[str, Any]) -> Order | None:
    order = lock_order(session_id=session.get("id"))
    if order is None and session.get("client_reference_id"):
        # The session id is stored right after Stripe answers; an event can only beat
        # that by a hair, and then the order number we sent along finds the order.
        order = lock_order(number=session["client_reference_id"])
        if order is not None and order.stripe_session_id not in (None, session.get("id")):
            return None
    return order


# ---------------------------------------------------------------- stock

def reserve_stock(order: Order) -> None:
    """Take every tracked line's units off the shelf, or raise OutOfStock and take none
    (the caller rolls back). Each take is one conditional UPDATE, so stock can never go
    below zero however many buyers race; products are locked in id order (no deadlock)."""
    for line in sorted(order.lines, key=lambda line: line.product_id or 0):
        if not line.stock_tracked:
            continue
        taken = db.session.execute(
            update(Product)
            .where(Product.id == line.product_id, Product.stock.is_not(None), Product.stock >= line.quantity)
            .values(stock=Product.stock - line.quantity)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            available = db.session.scalar(select(Product.stock).where(Product.id == line.product_id)) or 0
            raise OutOfStock(line.product_name, available)
    order.stock_state = StockState.RESERVED


def release_stock(order: Order) -> None:
    """Hand a reservation back to the shelf. Only a reservation: never a sale, never twice."""
    if order.stock_state is not StockState.RESERVED:
        return
    for line in sorted(order.lines, key=lambda line: line.product_id or 0):
        if line.stock_tracked and line.product_id is not None:
            db.session.execute(
                update(Product)
                .where(Product.id == line.product_id, Product.stock.is_not(None))
                .values(stock=Product.stock + line.quantity)
                .execution_options(synchronize_session=False)
            )
    order.stock_state = StockState.RELEASED


# ---------------------------------------------------------------- payment

@dataclass(frozen=True)
class FulfilResult:
    outcome: str  # "fulfilled", "already paid", "not paid yet", "flagged for review", "unknown order"
    order: Order | None = None


def _amount_problems(order: Order, session: dict[str, Any]) -> list[str]:
    """What in Stripe's session disagrees with the order we created."""
    problems = []
    details = session.get("total_details") or {}
    shipping = details.get("amount_shipping") or 0
    tax = details.get("amount_tax") or 0
    discount = details.get("amount_discount") or 0
    if (session.get("currency") or "").lower() != order.currency:
        problems.append(f"currency {session.get('currency')!r} is not {order.currency!r}")
    if session.get("amount_subtotal") != order.subtotal_cents:
        problems.append(f"subtotal {session.get('amount_subtotal')} is not {order.subtotal_cents}")
    if shipping != order.shipping_cents:
        problems.append(f"shipping {shipping} is not {order.shipping_cents}")
    if session.get("amount_total") != order.subtotal_cents + shipping + tax - discount:
        problems.append(f"total {session.get('amount_total')} does not add up")
    if tax and not (session.get("automatic_tax") or {}).get("enabled"):
        problems.append(f"tax {tax} charged without automatic tax")
    if discount and not session.get("allow_promotion_codes"):
        problems.append(f"discount {discount} without promotion codes")
    return problems


def _shipping_details(session: dict[str, Any]) -> dict[str, Any] | None:
    # API versions from 2025-03-31 keep it under collected_information; older ones at the top.
    collected = session.get("collected_information") or {}
    return collected.get("shipping_details") or session.get("shipping_details")


def apply_paid_session(session: dict[str, Any], *, source: str) -> FulfilResult:
    """Turn a paid Checkout Session into a paid order, once. Runs in the caller's
    transaction: lock, check, move to paid, reservation to sale, empty the cart, queue
    the confirmation email (the outbox's unique key makes a second queue a no-op)."""
    order = lock_order_for_session(session)
    if order is None:
        log.warning("Stripe session %s matches no order (%s)", session.get("id"), source)
        return FulfilResult("unknown order")
    if order.is_paid:
        return FulfilResult("already paid", order)
    if session.get("payment_status") != "paid":
        if session.get("status") == "complete" and not any(e.message == AWAITING_PAYMENT for e in order.events):
            order.record(source=source, message=AWAITING_PAYMENT)
        return FulfilResult("not paid yet", order)
    if order.status is not OrderStatus.PENDING:
        order.flag_for_review(f"Stripe reports payment for a {order.status.value} order", source=source)
        return FulfilResult("flagged for review", order)
    if order.needs_review:
        return FulfilResult("flagged for review", order)
    problems = _amount_problems(order, session)
    if problems:
        order.flag_for_review("Stripe's amounts disagree with the order: " + "; ".join(problems), source=source)
        return FulfilResult("flagged for review", order)

    if order.stock_state is StockState.RELEASED:
        # Paid after the reservation lapsed (a late event): take the stock again if we can.
        try:
            with db.session.begin_nested():
                reserve_stock(order)
        except OutOfStock as short:
            order.flag_for_review(f"Paid, but {short.product_name} is no longer in stock", source=source)
    details = session.get("total_details") or {}
    customer = session.get("customer_details") or {}
    shipping = _shipping_details(session) or {}
    order.email = customer.get("email") or session.get("customer_email") or order.email
    order.stripe_session_id = session["id"]
    order.stripe_payment_intent_id = _id_of(session.get("payment_intent"))
    order.subtotal_cents = session["amount_subtotal"]
    order.shipping_cents = details.get("amount_shipping") or 0
    order.tax_cents = details.get("amount_tax") or 0
    order.discount_cents = details.get("amount_discount") or 0
    order.total_cents = session["amount_total"]
    order.shipping_name = shipping.get("name") or customer.get("name")
    order.shipping_address = shipping.get("address") or None
    if order.stock_state is StockState.RESERVED:
        order.stock_state = StockState.SOLD
    order.transition_to(OrderStatus.PAID, source=source, message="Payment received")
    if order.cart_token:
        empty_cart(order.cart_token)
    if order.email:
        queue_order_confirmation(order)
    return FulfilResult("fulfilled", order)


def fulfil_order(session: dict[str, Any], *, source: str) -> FulfilResult:
    """The one fulfilment path, for the success page, the webhook and reconciliation.

    Idempotent and transactional: running it twice, or from two processes at once,
    changes nothing the second time (the order row is locked; a paid order is left be).
    """
    begin_write()
    result = apply_paid_session(session, source=source)
    db.session.commit()
    return result


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def apply_session_ended(session: dict[str, Any], to: OrderStatus, *, source: str, message: str) -> str:
    """Expired or failed: hand the stock back and close the order (pending orders only)."""
    order = lock_order_for_session(session)
    if order is None:
        log.warning("Stripe session %s matches no order (%s)", session.get("id"), source)
        return "unknown order"
    if order.status is not OrderStatus.PENDING:
        return f"left {order.status.value}"
    if to is OrderStatus.EXPIRED and order.cancel_requested_at is not None:
        # Our own cancel page asked Stripe to expire it: the shopper cancelled.
        to, message = OrderStatus.CANCELLED, SHOPPER_CANCELLED
    release_stock(order)
    order.transition_to(to, source=source, message=message)
    return to.value


def cancel_pending_order(order: Order, *, source: str, message: str) -> None:
    """Close a pending order of ours (shopper cancelled, superseded, or Stripe unreachable)."""
    if order.status is OrderStatus.PENDING:
        release_stock(order)
        order.transition_to(OrderStatus.CANCELLED, source=source, message=message)


# ---------------------------------------------------------------- refunds

def _order_for_charge(obj: dict[str, Any]) -> Order | None:
    intent = _id_of(obj.get("payment_intent"))
    return lock_order(payment_intent_id=intent) if intent else None


def _settle_refund_status(order: Order, refunded: int, *, source: str) -> str:
    refunded = max(0, min(refunded, order.total_cents))
    if refunded == order.amount_refunded_cents:
        return "no change"
    order.amount_refunded_cents = refunded
    if refunded == 0:
        target = OrderStatus.PAID
    elif refunded >= order.total_cents:
        target = OrderStatus.REFUNDED
    else:
        target = OrderStatus.PARTIALLY_REFUNDED
    message = f"Refunded {refunded} of {order.total_cents} {order.currency.upper()} (minor units)"
    if order.status is target and target is not OrderStatus.PARTIALLY_REFUNDED:
        order.record(source=source, message=message)
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
        order.record(source=source, message=f"Refund {refund['id']} {row.status}")
        return _settle_refund_status(order, sum(live), source=source)
    return f"refund {row.status}"


# ---------------------------------------------------------------- reconciliation

def orders_to_reconcile(now: datetime, grace: timedelta) -> list[int]:
    """Pending orders whose Stripe session should have ended by now, and orders that
    never reached Stripe (the process died between our commit and Stripe's answer)."""
    return list(db.session.scalars(
        select(Order.id).where(
            Order.status == OrderStatus.PENDING,
            Order.needs_review.is_(False),
            or_(
                Order.session_expires_at < now - grace,
                (Order.stripe_session_id.is_(None)) & (Order.created_at < now - grace),
            ),
        ).order_by(Order.id)
    ))

