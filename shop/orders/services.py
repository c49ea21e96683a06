"""The life of an order: placed with its stock reserved, then driven by what Stripe reports.

Each `apply_*` function works inside the caller's transaction on a locked order and is
idempotent: applying the same Stripe object twice changes nothing the second time. The
public functions without `apply_` own their transaction. Orders know nothing of carts:
an order keeps the token of the cart it came from as a plain value, and checkout (the
layer above) empties that cart when the order is paid.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, func, or_, select, update

from shop.catalog.models import Product
from shop.database import utcnow
from shop.errors import Conflict, NotFound
from shop.extensions import db
from shop.orders.downloads import DownloadSettings, create_links, line_downloads
from shop.orders.emails import queue_order_confirmation, queue_payment_failed
from shop.orders.models import EventKind, Order, OrderLine, OrderStatus, StockState

log = logging.getLogger(__name__)

SHOPPER_CANCELLED = "Shopper returned from Stripe without paying; stock handed back"
AWAITING_PAYMENT = "Checkout complete; awaiting a delayed payment (such as a bank debit)"


class OrderNotFound(NotFound):
    def __init__(self, number: str = ""):
        super().__init__("We can't find that order.")
        self.number = number


def held_elsewhere_note(units: int) -> str:
    """The truth about stock that is gone from the shelf but not sold: other shoppers'
    checkouts hold it, and an unpaid checkout ends by itself (Stripe's shortest session is
    30 minutes; a shopper who goes back hands theirs back at once)."""
    if units <= 0:
        return ""
    held = "1 is" if units == 1 else f"{units} are"
    return (f"{held} held in other shoppers' checkouts right now. Checkouts that are not paid end "
            "within about 30 minutes, so please try again in a few minutes.")


class OutOfStock(Conflict):
    """A line cannot be reserved: fewer units left than the cart asks for."""

    def __init__(self, product_name: str, available: int, held_elsewhere: int = 0):
        if available <= 0:
            message = f"Sorry, the {product_name} has just sold out. Please remove it from your cart to check out."
        else:
            message = (f"Sorry, only {available} of the {product_name} are left. "
                       "Please lower the quantity in your cart to check out.")
        if held_elsewhere:
            message = f"{message} {held_elsewhere_note(held_elsewhere)}"
        super().__init__(message)
        self.product_name = product_name
        self.available = available


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


def locked_order(number: str) -> Order:
    """The order with this number under a row lock, or OrderNotFound (nothing begun is kept)."""
    order = lock_order(number=number)
    if order is None:
        db.session.rollback()
        raise OrderNotFound(number)
    return order


def lock_order_for_session(session: dict[str, Any]) -> Order | None:
    order = lock_order(session_id=session.get("id"))
    if order is None and session.get("client_reference_id"):
        # The session id is stored right after Stripe answers; an event can only beat
        # that by a hair, and then the order number we sent along finds the order.
        order = lock_order(number=session["client_reference_id"])
        if order is not None and order.stripe_session_id not in (None, session.get("id")):
            return None
    return order


def pending_orders_of_cart(cart_token: str) -> Sequence[Order]:
    """The cart's unpaid checkouts, locked: a new checkout of the same cart replaces them."""
    return db.session.scalars(
        select(Order).where(Order.cart_token == cart_token, Order.status == OrderStatus.PENDING).with_for_update()
    ).all()


# ---------------------------------------------------------------- placing an order

@dataclass(frozen=True)
class LineToOrder:
    """One line as the shopper is about to buy it, priced from the database."""

    product: Product
    quantity: int
    unit_price_cents: int
    source_article_id: int | None = None


def place_pending_order(lines: Sequence[LineToOrder], *, currency: str, shipping_cents: int,
                        cart_token: str | None) -> Order:
    """Create a pending order whose lines copy each product as it is now, and reserve its
    stock. Joins the caller's write transaction; raises OutOfStock (the caller rolls back)."""
    subtotal = sum(line.unit_price_cents * line.quantity for line in lines)
    order = Order(
        currency=currency,
        subtotal_cents=subtotal,
        shipping_cents=shipping_cents,
        total_cents=subtotal + shipping_cents,
        cart_token=cart_token,
        needs_shipping=any(not line.product.is_digital for line in lines),
        lines=[
            OrderLine(
                product_id=line.product.id,
                product_name=line.product.name,
                sku=line.product.sku,
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                stock_tracked=line.product.stock is not None,
                source_article_id=line.source_article_id,
                is_digital=line.product.is_digital,
                download_file=line.product.download_file if line.product.is_digital else None,
            )
            for line in lines
        ],
    )
    db.session.add(order)
    order.record(EventKind.CREATED, source="checkout", message="Order created from the cart; stock reserved")
    reserve_stock(order)
    return order


# ---------------------------------------------------------------- stock

def lock_products(product_ids: Sequence[int]) -> None:
    """Lock these products' rows up front, in id order, for a transaction that hands one
    order's units back and then takes another's. Each step alone locks in id order, but
    the two in a row need not (3 back, then 1 and 3 taken): two such checkouts at once
    could each wait for the other (PostgreSQL found that deadlock under load)."""
    ids = sorted(set(product_ids))
    if ids:
        db.session.execute(select(Product.id).where(Product.id.in_(ids)).order_by(Product.id)
                           .with_for_update(key_share=True))


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
            held = units_of_product_held_by_other_carts(order.cart_token, line.product_id)
            raise OutOfStock(line.product_name, available, held)
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


def units_held_by_cart(cart_token: str | ColumnElement | None) -> Select[tuple[int, int]]:
    """(product id, units) that this cart's own unpaid checkout holds off the shelf, as a
    query the cart can join: a shopper who pressed Back on Stripe's page must not find
    their cart "sold out" by their own reservation."""
    return (
        select(OrderLine.product_id.label("product_id"), func.sum(OrderLine.quantity).label("held"))
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.cart_token == cart_token, Order.status == OrderStatus.PENDING,
               Order.stock_state == StockState.RESERVED, OrderLine.stock_tracked.is_(True))
        .group_by(OrderLine.product_id)
    )


def units_of_product_held_by_cart(cart_token: str | None, product_id: int) -> int:
    if not cart_token:
        return 0
    held = units_held_by_cart(cart_token).subquery()
    return db.session.scalar(select(held.c.held).where(held.c.product_id == product_id)) or 0


def units_held_by_other_carts(cart_token: str | ColumnElement | None) -> Select[tuple[int, int]]:
    """(product id, units) that unpaid checkouts of every other cart hold off the shelf:
    stock that is not on the shelf but not sold either, so shoppers are told the truth."""
    # No `if cart_token`: the token may be a bound parameter of a statement built once, and
    # with None the condition reads "IS NULL OR IS NOT NULL", every checkout.
    return (
        select(OrderLine.product_id.label("product_id"), func.sum(OrderLine.quantity).label("held"))
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.status == OrderStatus.PENDING, Order.stock_state == StockState.RESERVED,
               OrderLine.stock_tracked.is_(True),
               or_(Order.cart_token.is_(None), Order.cart_token != cart_token))
        .group_by(OrderLine.product_id)
    )


def units_of_product_held_by_other_carts(cart_token: str | None, product_id: int) -> int:
    held = units_held_by_other_carts(cart_token).where(OrderLine.product_id == product_id).subquery()
    return db.session.scalar(select(held.c.held)) or 0


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
    transaction: lock, check, move to paid, reservation to sale, a download link for each
    digital line, queue the confirmation email with those links (the outbox's unique key
    makes a second queue a no-op). The outcome "fulfilled" is returned exactly once per
    order, so the caller can act on it once."""
    order = lock_order_for_session(session)
    if order is None:
        log.warning("Stripe session %s matches no order (%s)", session.get("id"), source)
        return FulfilResult("unknown order")
    if order.is_paid:
        return FulfilResult("already paid", order)
    if session.get("payment_status") != "paid":
        if session.get("status") == "complete" and not order.has_event(EventKind.AWAITING_PAYMENT):
            order.record(EventKind.AWAITING_PAYMENT, source=source, message=AWAITING_PAYMENT)
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
    order.stripe_payment_intent_id = id_of(session.get("payment_intent"))
    order.subtotal_cents = session["amount_subtotal"]
    order.shipping_cents = details.get("amount_shipping") or 0
    order.tax_cents = details.get("amount_tax") or 0
    order.discount_cents = details.get("amount_discount") or 0
    order.total_cents = session["amount_total"]
    order.shipping_name = _without_controls(shipping.get("name") or customer.get("name"))
    order.shipping_address = _without_controls(shipping.get("address") or None)
    if order.stock_state is StockState.RESERVED:
        order.stock_state = StockState.SOLD
    order.transition_to(OrderStatus.PAID, source=source, message="Payment received")
    now = utcnow()
    create_links(order, DownloadSettings.from_config(current_app.config), now)
    queue_order_confirmation(order, line_downloads(order, now))
    return FulfilResult("fulfilled", order)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _without_controls(value: Any) -> Any:
    """A name or address as typed on Stripe's page, minus control characters: PostgreSQL
    refuses a NUL byte, and no printed label or receipt wants the others."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        return {key: _without_controls(item) for key, item in value.items()}
    return value


def id_of(value: Any) -> str | None:
    """The id of an expandable Stripe field, whether it came expanded or as a plain id."""
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
    if to is OrderStatus.PAYMENT_FAILED:
        # They finished checking out and wait for the bank: tell them it did not go through.
        customer = session.get("customer_details") or {}
        order.email = order.email or customer.get("email") or session.get("customer_email")
        queue_payment_failed(order)
    return to.value


def apply_charge_succeeded(charge: dict[str, Any], *, source: str) -> str:
    """charge.succeeded: note how the order was paid (card brand and last four digits, or
    the bank), for the receipt. Stripe sends it before checkout.session.completed, when the
    order does not know its payment yet: the order number Stripe copies from the
    PaymentIntent's metadata finds it then. Idempotent; leaves the order's status alone."""
    intent = id_of(charge.get("payment_intent"))
    order = lock_order(payment_intent_id=intent) if intent else None
    if order is None and (charge.get("metadata") or {}).get("order_number"):
        order = lock_order(number=str(charge["metadata"]["order_number"]))
        if order is not None and order.stripe_payment_intent_id not in (None, intent):
            order = None  # that order was paid by another payment
    if order is None:
        return "unknown order"
    details = charge.get("payment_method_details") or {}
    method = details.get(details.get("type") or "") or {}
    brand = str(method.get("brand") or method.get("bank_name") or details.get("type") or "")[:40] or None
    last4 = str(method.get("last4") or "")
    last4 = last4 if len(last4) == 4 and last4.isdigit() else None
    if (order.payment_method_brand, order.payment_method_last4) == (brand, last4):
        return "no change"
    order.payment_method_brand, order.payment_method_last4 = brand, last4
    order.record(EventKind.PAYMENT_METHOD, source=source,
                 message=f"Paid with {brand or 'an unnamed method'}" + (f" ending {last4}" if last4 else ""))
    return "payment method noted"


def cancel_pending_order(order: Order, *, source: str, message: str) -> None:
    """Close a pending order of ours (shopper cancelled, superseded, or Stripe unreachable)."""
    if order.status is OrderStatus.PENDING:
        release_stock(order)
        order.transition_to(OrderStatus.CANCELLED, source=source, message=message)


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
