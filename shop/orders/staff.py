"""What staff see of orders and do to them in the staff area, besides shipping and refunds:
the lists, one order in full, the counts on the staff home page, and clearing a review flag."""
from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.database import begin_write
from shop.extensions import db
from shop.orders.models import EventKind, Order, OrderRefund, OrderStatus
from shop.orders.refunds import refundable_cents, refunds_of
from shop.orders.services import OrderNotFound, locked_order
from shop.orders.shipping import TO_SHIP

ORDERS_PER_PAGE = 25


def list_orders(page: int, *, status: OrderStatus | None = None, needs_review: bool = False) -> Pagination:
    """Newest first, optionally only one status or only those flagged for review."""
    query = select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    if needs_review:
        query = query.where(Order.needs_review.is_(True))
    elif status is not None:
        query = query.where(Order.status == status)
    return db.paginate(query, page=page, per_page=ORDERS_PER_PAGE, error_out=False)


@dataclass(frozen=True)
class OrderView:
    order: Order
    refunds: list[OrderRefund]
    refundable_cents: int
    can_ship: bool
    can_refund: bool


def order_for_staff(number: str) -> OrderView:
    """One order with its lines, history and refunds. Raises OrderNotFound."""
    order = db.session.scalar(
        select(Order).where(Order.number == number).options(selectinload(Order.lines), selectinload(Order.events))
    )
    if order is None:
        raise OrderNotFound(number)
    refunds = refunds_of(order)
    left = refundable_cents(order, refunds)
    return OrderView(
        order=order,
        refunds=refunds,
        refundable_cents=left,
        can_ship=order.status in TO_SHIP,
        can_refund=left > 0 and bool(order.stripe_payment_intent_id),
    )


@dataclass(frozen=True)
class WorkCounts:
    orders_to_review: int
    orders_to_ship: int


def work_counts() -> WorkCounts:
    """What the review list and the packing table hold, in one query."""
    row = db.session.execute(select(
        select(func.count(Order.id)).where(Order.needs_review.is_(True)).scalar_subquery(),
        select(func.count(Order.id)).where(Order.status.in_(TO_SHIP)).scalar_subquery(),
    )).one()
    return WorkCounts(*row)


def orders_by_status() -> dict[OrderStatus, int]:
    """How many orders are in each status (every status named, zeros too), for metrics."""
    counts = dict.fromkeys(OrderStatus, 0)
    for status, number in db.session.execute(select(Order.status, func.count(Order.id)).group_by(Order.status)):
        counts[status] = number
    return counts


def mark_reviewed(number: str, *, staff_email: str, note: str) -> bool:
    """Clear the review flag, keeping the note (and the old reason) in the history.
    Returns False when the order was not flagged (a second press). Transactional."""
    begin_write()
    order = locked_order(number)
    if not order.needs_review:
        db.session.rollback()
        return False
    order.record(EventKind.REVIEWED, source=f"staff:{staff_email}",
                 message=f"Reviewed: {note.strip()}\n(The flag was: {order.review_reason or 'no reason given'})")
    order.needs_review = False
    order.review_reason = None
    db.session.commit()
    return True
