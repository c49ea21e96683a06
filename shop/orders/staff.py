"""What staff see of orders and do to them in the staff area, besides shipping and refunds:
the lists, one order in full, the counts on the staff home page, and clearing a review flag."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from shop.audit.services import Actor, record_change
from shop.database import begin_write, utcnow
from shop.extensions import db
from shop.orders.downloads import LineDownload, line_downloads
from shop.orders.models import (
    DISPUTE_NEEDS_ANSWER,
    DISPUTE_OPEN,
    EventKind,
    Order,
    OrderDispute,
    OrderLine,
    OrderRefund,
    OrderStatus,
)
from shop.orders.refunds import refundable_cents, refunds_of
from shop.orders.services import OrderNotFound, locked_order
from shop.orders.shipping import SHIPPABLE, TO_SHIP

ORDERS_PER_PAGE = 25


def _has_open_dispute():
    return select(OrderDispute.id).where(OrderDispute.order_id == Order.id,
                                         OrderDispute.status.in_(DISPUTE_OPEN)).exists()


def _orders(status: OrderStatus | None, needs_review: bool, disputed: bool) -> Select[tuple[Order]]:
    query = select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    if needs_review:
        query = query.where(Order.needs_review.is_(True))
    elif disputed:
        query = query.where(_has_open_dispute())
    elif status is not None:
        query = query.where(Order.status == status)
    return query


def list_orders(page: int, *, status: OrderStatus | None = None, needs_review: bool = False,
                disputed: bool = False) -> Pagination:
    """Newest first, optionally only one status, only those flagged for review, or only
    those with an open dispute."""
    return db.paginate(_orders(status, needs_review, disputed), page=page, per_page=ORDERS_PER_PAGE, error_out=False)


EXPORT_COLUMNS = ("number", "created_at", "status", "email", "currency", "subtotal_cents", "shipping_cents",
                  "tax_cents", "discount_cents", "total_cents", "amount_refunded_cents", "shipping_name", "items")
EXPORT_BATCH = 500


def export_rows(*, status: OrderStatus | None = None, needs_review: bool = False,
                disputed: bool = False) -> Iterator[tuple[object, ...]]:
    """The orders of a filter as rows of EXPORT_COLUMNS, newest first, read EXPORT_BATCH
    at a time (a server-side cursor on PostgreSQL, each batch's lines in one query):
    however many orders there are, only one batch is in memory. The lines are read by hand
    rather than with selectinload, which SQLAlchemy refuses beside yield_per once a session
    has a do_orm_execute listener (the page cache has one)."""
    batches = db.session.scalars(_orders(status, needs_review, disputed)
                                 .execution_options(yield_per=EXPORT_BATCH)).partitions()
    for orders in batches:
        items: dict[int, list[str]] = {}
        for order_id, quantity, name, sku in db.session.execute(
            select(OrderLine.order_id, OrderLine.quantity, OrderLine.product_name, OrderLine.sku)
            .where(OrderLine.order_id.in_([order.id for order in orders])).order_by(OrderLine.id)
        ):
            items.setdefault(order_id, []).append(f"{quantity} × {name} ({sku})")
        for order in orders:
            yield (order.number, order.created_at.isoformat(), order.status.value, order.email or "", order.currency,
                   order.subtotal_cents, order.shipping_cents, order.tax_cents, order.discount_cents,
                   order.total_cents, order.amount_refunded_cents, order.shipping_name or "",
                   "; ".join(items.get(order.id, ())))


@dataclass(frozen=True)
class OrderView:
    order: Order
    refunds: list[OrderRefund]
    refundable_cents: int
    can_ship: bool
    can_pack: bool
    can_refund: bool
    downloads: list[LineDownload]

    @property
    def refundable_lines(self) -> list[OrderLine]:
        """Digital lines a refund may cover: refunding them stops their download links."""
        return [line for line in self.order.lines if line.is_digital and line.refunded_at is None]


def order_for_staff(number: str) -> OrderView:
    """One order with its lines, history, parcels, disputes, refunds and download links.
    Raises OrderNotFound. A fixed number of queries, however long the order."""
    order = db.session.scalar(
        select(Order).where(Order.number == number).options(
            selectinload(Order.lines), selectinload(Order.events), selectinload(Order.shipments),
            selectinload(Order.disputes),
        )
    )
    if order is None:
        raise OrderNotFound(number)
    refunds = refunds_of(order)
    left = refundable_cents(order, refunds)
    return OrderView(
        order=order,
        refunds=refunds,
        refundable_cents=left,
        can_ship=order.needs_shipping and order.status in SHIPPABLE,
        can_pack=order.needs_shipping and order.status is OrderStatus.PAID,
        can_refund=left > 0 and bool(order.stripe_payment_intent_id),
        downloads=line_downloads(order, utcnow()) if order.is_paid else [],
    )


@dataclass(frozen=True)
class WorkCounts:
    orders_to_review: int
    orders_to_ship: int
    disputes_to_answer: int
    next_dispute_due: datetime | None


def work_counts() -> WorkCounts:
    """What the review list, the packing table and the disputes hold, in one query."""
    answer = OrderDispute.status.in_(DISPUTE_NEEDS_ANSWER)
    row = db.session.execute(select(
        select(func.count(Order.id)).where(Order.needs_review.is_(True)).scalar_subquery(),
        select(func.count(Order.id)).where(Order.status.in_(TO_SHIP), Order.needs_shipping.is_(True)).scalar_subquery(),
        select(func.count(OrderDispute.id)).where(answer).scalar_subquery(),
        select(func.min(OrderDispute.evidence_due_by)).where(answer).scalar_subquery(),
    )).one()
    return WorkCounts(*row)


def orders_by_status() -> dict[OrderStatus, int]:
    """How many orders are in each status (every status named, zeros too), for metrics."""
    counts = dict.fromkeys(OrderStatus, 0)
    for status, number in db.session.execute(select(Order.status, func.count(Order.id)).group_by(Order.status)):
        counts[status] = number
    return counts


def mark_reviewed(number: str, *, actor: Actor, note: str) -> bool:
    """Clear the review flag, keeping the note (and the old reason) in the history.
    Returns False when the order was not flagged (a second press). Transactional."""
    begin_write()
    order = locked_order(number)
    if not order.needs_review:
        db.session.rollback()
        return False
    record_change(actor, "order.reviewed", "order", order.number,
                  changes={"needs_review": (True, False), "note": (None, note.strip())})
    order.record(EventKind.REVIEWED, source=actor.source,
                 message=f"Reviewed: {note.strip()}\n(The flag was: {order.review_reason or 'no reason given'})")
    order.needs_review = False
    order.review_reason = None
    db.session.commit()
    return True
