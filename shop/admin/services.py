"""What staff do in the staff area: look at orders, ship them, refund them, clear
review flags, and publish or reject the stories shoppers send.

Every function that changes something owns its transaction (begin_write(), the order
row locked with lock_order, commit) and takes plain values, never the request. Refusals
are domain errors with a message in plain words, which the routes show as they are.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from shop.database import begin_write
from shop.extensions import db
from shop.money import format_money
from shop.orders.models import LIVE_REFUND_STATUSES, Order, OrderRefund, OrderStatus
from shop.orders.services import OrderNotFound, lock_order
from shop.payments import gateway
from shop.testimonials.models import StorySource, Testimonial

log = logging.getLogger(__name__)

ORDERS_PER_PAGE = 25
STORIES_PER_PAGE = 20
NEEDS_REVIEW = "needs_review"
# Paid and not yet on its way: what the packing table works from.
TO_SHIP = (OrderStatus.PAID, OrderStatus.FULFILLED)

STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.PENDING: "Waiting for payment",
    OrderStatus.PAID: "Paid, to ship",
    OrderStatus.FULFILLED: "Fulfilled, to ship",
    OrderStatus.SHIPPED: "Shipped",
    OrderStatus.EXPIRED: "Expired unpaid",
    OrderStatus.PAYMENT_FAILED: "Payment failed",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.PARTIALLY_REFUNDED: "Partly refunded",
}
STATUS_FILTERS: list[tuple[str, str]] = (
    [("", "All orders"), (NEEDS_REVIEW, "Needs review")] + [(s.value, STATUS_LABELS[s]) for s in OrderStatus]
)


class ActionRefused(Exception):
    """The order or story is not in a state that allows this. Nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RefundAmountInvalid(ValueError):
    """The amount typed cannot be refunded (zero, or more than is left). Nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RefundUnavailable(Exception):
    """Stripe could not be reached. Nothing was refunded and nothing was changed."""


class StoryNotFound(LookupError):
    pass


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class Dashboard:
    orders_to_review: int
    orders_to_ship: int
    stories_to_review: int


def _stories_waiting():
    return select(Testimonial).where(Testimonial.published.is_(False), Testimonial.source == StorySource.VISITOR)


def dashboard() -> Dashboard:
    """The three counts on the staff home page, in one query."""
    def count(query):
        return select(func.count()).select_from(query.subquery()).scalar_subquery()

    row = db.session.execute(select(
        count(select(Order.id).where(Order.needs_review.is_(True))),
        count(select(Order.id).where(Order.status.in_(TO_SHIP))),
        count(_stories_waiting().with_only_columns(Testimonial.id)),
    )).one()
    return Dashboard(*row)


def list_orders(page: int, status_filter: str = "") -> Pagination:
    """Newest first. `status_filter` is "", "needs_review" or an OrderStatus value
    (anything else raises ValueError)."""
    query = select(Order).order_by(Order.created_at.desc(), Order.id.desc())
    if status_filter == NEEDS_REVIEW:
        query = query.where(Order.needs_review.is_(True))
    elif status_filter:
        query = query.where(Order.status == OrderStatus(status_filter))
    return db.paginate(query, page=page, per_page=ORDERS_PER_PAGE, error_out=False)


@dataclass(frozen=True)
class OrderView:
    order: Order
    refunds: list[OrderRefund]
    refundable_cents: int
    can_ship: bool
    can_refund: bool


def _refundable_cents(order: Order, refunds: list[OrderRefund]) -> int:
    """What is left to refund. Refunds staff just sent count at once (their rows are
    written when Stripe answers), before the webhook updates amount_refunded_cents."""
    if not order.is_paid:
        return 0
    asked = sum(r.amount_cents for r in refunds if r.status in LIVE_REFUND_STATUSES)
    return max(0, order.total_cents - max(order.amount_refunded_cents, asked))


def _refunds_of(order: Order) -> list[OrderRefund]:
    return list(db.session.scalars(
        select(OrderRefund).where(OrderRefund.order_id == order.id).order_by(OrderRefund.id)
    ))


def order_for_staff(number: str) -> OrderView:
    """One order with its lines, history and refunds. Raises OrderNotFound."""
    order = db.session.scalar(
        select(Order).where(Order.number == number).options(selectinload(Order.lines), selectinload(Order.events))
    )
    if order is None:
        raise OrderNotFound(number)
    refunds = _refunds_of(order)
    left = _refundable_cents(order, refunds)
    return OrderView(
        order=order,
        refunds=refunds,
        refundable_cents=left,
        can_ship=order.status in TO_SHIP,
        can_refund=left > 0 and bool(order.stripe_payment_intent_id),
    )


def stories_to_review(page: int) -> Pagination:
    """Stories shoppers sent, unpublished, oldest first: the order they arrived in."""
    query = _stories_waiting().options(joinedload(Testimonial.product)).order_by(Testimonial.created_at, Testimonial.id)
    return db.paginate(query, page=page, per_page=STORIES_PER_PAGE, error_out=False)


# ---------------------------------------------------------------- orders

def _locked(number: str) -> Order:
    order = lock_order(number=number)
    if order is None:
        db.session.rollback()
        raise OrderNotFound(number)
    return order


def mark_shipped(number: str, *, staff_email: str) -> bool:
    """Paid or fulfilled -> shipped. Returns False when it was already shipped (a second
    press changes nothing); raises ActionRefused for any other state. Transactional."""
    begin_write()
    order = _locked(number)
    if order.status is OrderStatus.SHIPPED:
        db.session.rollback()
        return False
    if not order.can_move_to(OrderStatus.SHIPPED):
        message = (f"Order {order.number} is “{STATUS_LABELS[order.status]}”, so it can't be marked shipped. "
                   "Only paid orders can be shipped. Nothing was changed.")
        db.session.rollback()
        raise ActionRefused(message)
    order.transition_to(OrderStatus.SHIPPED, source=f"staff:{staff_email}", message="Marked shipped by staff")
    db.session.commit()
    return True


def mark_reviewed(number: str, *, staff_email: str, note: str) -> bool:
    """Clear the review flag, keeping the note (and the old reason) in the history.
    Returns False when the order was not flagged (a second press). Transactional."""
    begin_write()
    order = _locked(number)
    if not order.needs_review:
        db.session.rollback()
        return False
    order.record(source=f"staff:{staff_email}",
                 message=f"Reviewed: {note.strip()}\n(The flag was: {order.review_reason or 'no reason given'})")
    order.needs_review = False
    order.review_reason = None
    db.session.commit()
    return True


@dataclass(frozen=True)
class RefundSent:
    amount_cents: int
    currency: str
    stripe_refund_id: str
    repeated: bool  # the same form sent twice: Stripe answered with the first refund


def refund_order(number: str, *, amount_cents: int | None, attempt: str, staff_email: str) -> RefundSent:
    """Ask Stripe to refund `amount_cents` (None: everything left) and record it.

    Three steps, so no lock is held while Stripe is on the line: check the amount under
    the order's lock; call Stripe; record the refund and an order event under the lock.
    The order's status is not changed here: Stripe's charge.refunded webhook moves it.
    Idempotent per `attempt` (one per rendered form): sending the same form twice
    gives Stripe the same idempotency key, so money goes back once.

    Raises OrderNotFound, ActionRefused (not refundable, or Stripe said no),
    RefundAmountInvalid, or RefundUnavailable; in each case nothing was changed.
    """
    begin_write()
    order = _locked(number)
    try:
        if not order.is_paid:
            raise ActionRefused(f"Order {order.number} was never paid, so there is nothing to refund.")
        if not order.stripe_payment_intent_id:
            raise ActionRefused(f"Order {order.number} has no Stripe payment on record. "
                                "Please refund it in Stripe's dashboard.")
        left = _refundable_cents(order, _refunds_of(order))
        if left <= 0:
            raise ActionRefused(f"Order {order.number} has already been refunded in full.")
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
        raise ActionRefused(f"Stripe refused this refund ({exc}). Nothing was refunded.") from exc

    begin_write()
    order = _locked(number)
    refund_id = refund["id"]
    source = f"staff:{staff_email}"
    # The refund.created webhook may have written the row already; a repeated form has
    # written the row and the event.
    repeated = any(refund_id in event.message and event.source.startswith("staff:") for event in order.events)
    row = db.session.scalar(select(OrderRefund).where(OrderRefund.stripe_refund_id == refund_id))
    if row is None:
        db.session.add(OrderRefund(order_id=order.id, stripe_refund_id=refund_id, amount_cents=int(refund["amount"]),
                                   status=refund.get("status") or "pending", reason=refund.get("reason")))
    if not repeated:
        order.record(source=source, message=(
            f"Refund of {format_money(int(refund['amount']), currency)} sent to Stripe ({refund_id}). "
            "The status changes when Stripe confirms it."
        ))
    db.session.commit()
    log.info("refund %s of order %s by %s", refund_id, number, staff_email)
    return RefundSent(int(refund["amount"]), currency, refund_id, repeated)


# ---------------------------------------------------------------- stories

def _locked_story(story_id: int) -> Testimonial:
    story = db.session.scalar(
        select(Testimonial).where(Testimonial.id == story_id, Testimonial.source == StorySource.VISITOR).with_for_update()
    )
    if story is None:
        db.session.rollback()
        raise StoryNotFound(story_id)
    return story


def publish_story(story_id: int, *, staff_email: str) -> Testimonial:
    """Put a shopper's story on the site (it keeps its consent record). Publishing a
    published story changes nothing. Transactional."""
    begin_write()
    story = _locked_story(story_id)
    if not story.published:
        story.published = True
        log.info("story %s published by %s", story.slug, staff_email)
    db.session.commit()
    return story


def reject_story(story_id: int, *, staff_email: str) -> str:
    """Delete a shopper's unpublished story: it and their email address are not kept.
    Returns the name it was sent under. Raises ActionRefused for a published story.
    Transactional."""
    begin_write()
    story = _locked_story(story_id)
    if story.published:
        db.session.rollback()
        raise ActionRefused("This story is already on the site, so it can't be rejected here. Nothing was changed.")
    name = story.display_name
    db.session.delete(story)
    db.session.commit()
    log.info("story %s rejected and deleted by %s", story_id, staff_email)
    return name
