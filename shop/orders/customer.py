"""What a shopper sees of their own order, without logging in: the order page behind a
signed link (shop/orders/tokens.py), its receipt, and the lookup that emails that link.

A wrong, missing or borrowed token gets exactly what an unknown order number gets: the
same 404, before the database is asked anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.database import write_transaction
from shop.extensions import db
from shop.money import format_money
from shop.orders import tokens
from shop.orders.downloads import LineDownload, line_downloads
from shop.orders.emails import queue_order_link
from shop.orders.models import LIVE_REFUND_STATUSES, Order, OrderRefund, OrderStatus
from shop.orders.receipts import payment_words
from shop.orders.refunds import refunds_of
from shop.orders.services import OrderNotFound

S = OrderStatus
# The order's status in the words a shopper reads.
SHOPPER_STATUS = {
    S.PENDING: "Waiting for your payment",
    S.PAID: "Paid: we are getting it ready to send",
    S.FULFILLED: "Packed: it leaves us soon",
    S.SHIPPED: "On its way to you",
    S.EXPIRED: "Not paid: the payment page closed, and nothing was charged",
    S.PAYMENT_FAILED: "Not paid: the payment did not go through, and nothing was charged",
    S.CANCELLED: "Cancelled: nothing was charged",
    S.REFUNDED: "Refunded in full",
    S.PARTIALLY_REFUNDED: "Partly refunded",
}
# What an order number looks like (shop/orders/models.py new_order_number).
_NUMBER = re.compile(r"SH-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}")


@dataclass(frozen=True)
class TimelineStep:
    when: datetime
    label: str
    detail: str = ""
    link: str | None = None
    link_text: str = ""


@dataclass(frozen=True)
class ShopperOrder:
    order: Order
    token: str
    status_words: str
    timeline: list[TimelineStep]
    downloads: list[LineDownload]
    refunds: list[OrderRefund]
    refunded_cents: int
    payment_words: str | None

    @property
    def has_receipt(self) -> bool:
        return self.order.is_paid


def _load(number: str, token: str | None) -> Order:
    if not tokens.opens_order(number, token):
        raise OrderNotFound(number)
    order = db.session.scalar(select(Order).where(Order.number == number)
                              .options(selectinload(Order.lines), selectinload(Order.shipments)))
    if order is None:
        raise OrderNotFound(number)
    return order


def order_for_receipt(number: str, token: str | None) -> Order:
    """The order whose receipt this token opens. Raises OrderNotFound. Read-only."""
    return _load(number, token)


def _status_words(order: Order) -> str:
    if order.status is S.PAID and not order.needs_shipping:
        return "Paid: your download is ready"
    if order.status is S.SHIPPED and order.shipments and all(s.delivered_at for s in order.shipments):
        return "Delivered"
    return SHOPPER_STATUS[order.status]


def _timeline(order: Order, refunds: list[OrderRefund], payment: str | None) -> list[TimelineStep]:
    steps = [TimelineStep(order.created_at, "Order placed")]
    if order.paid_at:
        steps.append(TimelineStep(order.paid_at, "Paid", f"With {payment}." if payment else ""))
    if order.fulfilled_at:
        steps.append(TimelineStep(order.fulfilled_at, "Packed"))
    for parcel in order.shipments:
        number = f"Tracking number {parcel.tracking_number}." if parcel.tracking_number else "No tracking number."
        steps.append(TimelineStep(parcel.shipped_at, f"Sent with {parcel.carrier_label}", number,
                                  parcel.tracking_link, f"Track this parcel on the {parcel.carrier_label} website"))
        if parcel.delivered_at:
            steps.append(TimelineStep(parcel.delivered_at, "Delivered",
                                      f"The parcel sent with {parcel.carrier_label}."))
    for refund in refunds:
        detail = "The money is back with your bank or card." if refund.status == "succeeded" else (
            "It is on its way back to you: banks take up to ten days.")
        steps.append(TimelineStep(refund.created_at, f"Refunded {format_money(refund.amount_cents, order.currency)}",
                                  detail))
    for when, label in ((order.failed_at, "The payment did not go through"),
                        (order.expired_at, "The payment page closed before payment"),
                        (order.cancelled_at, "Cancelled")):
        if when:
            steps.append(TimelineStep(when, label, "Nothing was charged."))
    return sorted(steps, key=lambda step: step.when)


def shopper_order(number: str, token: str | None, *, now: datetime) -> ShopperOrder:
    """Everything the order page shows. Raises OrderNotFound (also for a wrong token).
    Read-only: a fixed number of queries, however many lines, parcels or refunds."""
    order = _load(number, token)
    refunds = [r for r in refunds_of(order) if r.status in LIVE_REFUND_STATUSES]
    payment = payment_words(order)
    return ShopperOrder(
        order=order,
        token=token or "",
        status_words=_status_words(order),
        timeline=_timeline(order, refunds, payment),
        downloads=line_downloads(order, now) if order.is_paid else [],
        refunds=refunds,
        refunded_cents=sum(r.amount_cents for r in refunds),
        payment_words=payment,
    )


def normalise_order_number(raw: str) -> str:
    """What a shopper types ("sh-abcd 2345", " SH-ABCD2345 ") as we print it."""
    cleaned = re.sub(r"[\s-]+", "", raw or "").upper()
    return f"SH-{cleaned[2:]}" if cleaned.startswith("SH") else cleaned


def request_order_link(number: str, email: str, *, now: datetime) -> None:
    """Email the order page's link to the order's own address, when `number` and `email`
    belong together; otherwise do nothing. The caller says the same either way, so the
    form cannot be used to learn which orders exist. At most one email an hour per order.
    Transactional."""
    number = normalise_order_number(number)
    email = (email or "").strip().lower()
    if not _NUMBER.fullmatch(number) or not email or len(email) > 320:
        return
    with write_transaction():
        order = db.session.scalar(select(Order).where(Order.number == number))
        if order is not None and order.email and order.email.strip().lower() == email:
            queue_order_link(order, now)
