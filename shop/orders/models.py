from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.database import UTCDateTime, enum_column, utcnow
from shop.extensions import db


class OrderStatus(str, enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    FULFILLED = "fulfilled"
    SHIPPED = "shipped"
    EXPIRED = "expired"
    PAYMENT_FAILED = "payment_failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


S = OrderStatus
# Every move an order may make. Anything else is a bug or a forged event, and is refused.
ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.PAID, S.EXPIRED, S.PAYMENT_FAILED, S.CANCELLED}),
    S.PAID: frozenset({S.FULFILLED, S.SHIPPED, S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.FULFILLED: frozenset({S.SHIPPED, S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.SHIPPED: frozenset({S.REFUNDED, S.PARTIALLY_REFUNDED}),
    # A refund that fails at the bank gives the money back to the shop: the order returns
    # to the state its refunds now describe.
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED, S.PAID}),
    S.REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.PAID}),
    S.EXPIRED: frozenset(),
    S.PAYMENT_FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
PAID_STATES = frozenset({S.PAID, S.FULFILLED, S.SHIPPED, S.REFUNDED, S.PARTIALLY_REFUNDED})
# When each status was first reached, by column.
STATUS_TIMESTAMPS = {
    S.PAID: "paid_at", S.FULFILLED: "fulfilled_at", S.SHIPPED: "shipped_at", S.EXPIRED: "expired_at",
    S.PAYMENT_FAILED: "failed_at", S.CANCELLED: "cancelled_at", S.REFUNDED: "refunded_at",
    S.PARTIALLY_REFUNDED: "refunded_at",
}


class StockState(str, enum.Enum):
    """Where the order's units of tracked stock are."""

    NONE = "none"          # nothing taken yet (or nothing tracked)
    RESERVED = "reserved"  # taken off the shelf while the shopper pays
    SOLD = "sold"          # paid: the reservation became a sale
    RELEASED = "released"  # handed back: expired, failed or cancelled


class EventKind(str, enum.Enum):
    """What an entry in an order's history records, so code asks the kind, never the text."""

    NOTE = "note"
    CREATED = "created"                    # from the cart, stock reserved
    CHECKOUT_STARTED = "checkout_started"  # Stripe Checkout Session created
    STATUS = "status"                      # moved from one status to another
    AWAITING_PAYMENT = "awaiting_payment"  # checkout complete, a delayed payment to come
    CANCEL_REQUESTED = "cancel_requested"  # the shopper came back from Stripe to cancel
    FLAGGED = "flagged"                    # a person must look
    REVIEWED = "reviewed"                  # a person looked and cleared the flag
    REFUND_REQUESTED = "refund_requested"  # staff sent a refund to Stripe
    REFUND_CHANGED = "refund_changed"      # Stripe reports a refund failed or was cancelled
    REFUND_TOTAL = "refund_total"          # Stripe's running total of refunds changed
    PAYMENT_METHOD = "payment_method"      # Stripe reported how it was paid (card brand, last four)
    PARCEL_SHIPPED = "parcel_shipped"      # staff sent a parcel, with its carrier and tracking
    PARCEL_DELIVERED = "parcel_delivered"  # staff marked a parcel delivered
    LINES_REFUNDED = "lines_refunded"      # staff refunded these lines: their download links stop
    DOWNLOAD_LINK = "download_link"        # a download link was made or emailed again
    DISPUTE = "dispute"                    # Stripe reports a dispute opened, changed or closed


class IllegalTransition(Exception):
    """A move outside ALLOWED_TRANSITIONS: a bug or a forged event, never a shopper's doing."""

    def __init__(self, order: "Order", to: OrderStatus):
        super().__init__(f"order {order.number} cannot go from {order.status.value} to {to.value}")


# Unambiguous characters only: no 0/O, 1/I/L, so a number read out on the phone is clear.
_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_order_number() -> str:
    """A public order number: random (not guessable, not a count of our sales)."""
    return "SH-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("subtotal_cents >= 0 AND total_cents >= 0", name="amounts_not_negative"),
        CheckConstraint("amount_refunded_cents >= 0", name="refund_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True, default=new_order_number)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, 24), default=OrderStatus.PENDING, index=True)
    stock_state: Mapped[StockState] = mapped_column(enum_column(StockState, 16), default=StockState.NONE)
    email: Mapped[str | None] = mapped_column(String(320))
    currency: Mapped[str] = mapped_column(String(3))
    # Money in the currency's minor unit. Until payment these are our own sums; once
    # Stripe reports the session, they are what Stripe says was charged.
    subtotal_cents: Mapped[int] = mapped_column(Integer, default=0)
    shipping_cents: Mapped[int] = mapped_column(Integer, default=0)
    tax_cents: Mapped[int] = mapped_column(Integer, default=0)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    amount_refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    shipping_name: Mapped[str | None] = mapped_column(String(200))
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The cart this order came from, so paying can empty it and cancelling can return to it.
    cart_token: Mapped[str | None] = mapped_column(String(64), index=True)
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    session_url: Mapped[str | None] = mapped_column(Text)
    session_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The shopper came back from Stripe and asked to stop. Set before we ask Stripe to
    # expire the session, so the expiry webhook, whenever it lands, knows it was a cancel.
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether any line is a physical product: an order of only digital goods has no parcel.
    needs_shipping: Mapped[bool] = mapped_column(default=True, server_default=true())
    # How it was paid, as Stripe reports it ("visa", "4242"), for the receipt.
    payment_method_brand: Mapped[str | None] = mapped_column(String(40))
    payment_method_last4: Mapped[str | None] = mapped_column(String(4))
    # Set when what Stripe reports disagrees with the order: a person must look.
    needs_review: Mapped[bool] = mapped_column(default=False)
    review_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id")
    events: Mapped[list["OrderEvent"]] = relationship(back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id")
    shipments: Mapped[list["OrderShipment"]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                            order_by="OrderShipment.id")
    disputes: Mapped[list["OrderDispute"]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                          order_by="OrderDispute.id")

    @property
    def is_paid(self) -> bool:
        return self.status in PAID_STATES

    def can_move_to(self, to: OrderStatus) -> bool:
        return to in ALLOWED_TRANSITIONS[self.status]

    def transition_to(self, to: OrderStatus, *, source: str, message: str = "") -> None:
        """Move to `to`, stamping the time and recording who or what moved it."""
        if not self.can_move_to(to):
            raise IllegalTransition(self, to)
        previous = self.status
        self.status = to
        column = STATUS_TIMESTAMPS.get(to)
        if column and getattr(self, column) is None:
            setattr(self, column, utcnow())
        self.record(EventKind.STATUS, source=source, message=message or f"{previous.value} → {to.value}",
                    from_status=previous, to_status=to)

    def record(self, kind: EventKind, *, source: str, message: str, from_status: OrderStatus | None = None,
               to_status: OrderStatus | None = None) -> None:
        self.events.append(OrderEvent(kind=kind, source=source[:200], message=message, from_status=from_status,
                                      to_status=to_status))

    def has_event(self, kind: EventKind) -> bool:
        return any(event.kind is kind for event in self.events)

    def flag_for_review(self, reason: str, *, source: str) -> None:
        self.needs_review = True
        self.review_reason = reason if not self.review_reason else f"{self.review_reason}\n{reason}"
        self.record(EventKind.FLAGGED, source=source, message=f"Flagged for review: {reason}")


class OrderLine(db.Model):
    """A snapshot of what was bought: later changes to the product do not touch it."""

    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # RESTRICT: the database itself refuses to delete a product that was ever ordered
    # (staff deactivate it instead); the line's copy of name, SKU and price stays anyway.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    product_name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64))
    unit_price_cents: Mapped[int]
    quantity: Mapped[int]
    # Whether this line took units off the shelf (stock NULL means not tracked).
    stock_tracked: Mapped[bool] = mapped_column(default=True)
    # The article the shopper added it from, if any (for the owner's "top articles").
    source_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    # A digital product is delivered by download links, not in a parcel: which file, copied
    # at purchase like the name and price, so a later change to the product cannot touch it.
    is_digital: Mapped[bool] = mapped_column(default=False, server_default=false())
    download_file: Mapped[str | None] = mapped_column(String(200))
    # Staff refunded this line: its download links stop working.
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class OrderEvent(db.Model):
    """The order's history: which Stripe event, shopper action or staff member moved it."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 24), default=EventKind.NOTE)
    source: Mapped[str] = mapped_column(String(200))  # "stripe:evt_…", "success page", "staff:ann@…"
    message: Mapped[str] = mapped_column(Text)
    from_status: Mapped[OrderStatus | None] = mapped_column(enum_column(OrderStatus, 24))
    to_status: Mapped[OrderStatus | None] = mapped_column(enum_column(OrderStatus, 24))

    order: Mapped[Order] = relationship(back_populates="events")


# Refund statuses under which the money has left the shop, or may still: a failed or
# canceled refund gave it back.
LIVE_REFUND_STATUSES = ("pending", "requires_action", "succeeded")


class OrderRefund(db.Model):
    """Each refund Stripe tells us of, including those made in the Stripe dashboard."""

    __tablename__ = "order_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    stripe_refund_id: Mapped[str] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))  # pending, requires_action, succeeded, failed, canceled
    reason: Mapped[str | None] = mapped_column(String(64))
    # The staff member who sent it from our staff area; None for refunds made in Stripe's
    # dashboard, which we only hear of through webhooks.
    requested_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StripeEvent(db.Model):
    """Every Stripe event we have processed. The primary key is Stripe's event id, so a
    second delivery of one event cannot be processed twice, even by two servers at once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What it did ("fulfilled", "duplicate", ...); the order's own history names the
    # event id ("stripe:evt_…") for every change it made.
    outcome: Mapped[str] = mapped_column(String(200), default="")


class Carrier(str, enum.Enum):
    USPS = "usps"
    UPS = "ups"
    FEDEX = "fedex"
    OTHER = "other"


CARRIER_NAMES = {Carrier.USPS: "USPS", Carrier.UPS: "UPS", Carrier.FEDEX: "FedEx", Carrier.OTHER: "Another carrier"}
# Each carrier's public tracking page for one tracking number.
TRACKING_PAGES = {
    Carrier.USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    Carrier.UPS: "https://www.ups.com/track?tracknum={number}",
    Carrier.FEDEX: "https://www.fedex.com/fedextrack/?trknbr={number}",
}


class OrderShipment(db.Model):
    """One parcel on its way: an order may ship in several, each with its own tracking."""

    __tablename__ = "order_shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[Carrier] = mapped_column(enum_column(Carrier, 16))
    # For another carrier: its name, and its tracking page (https only) if it has one.
    carrier_name: Mapped[str | None] = mapped_column(String(80))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_by: Mapped[str] = mapped_column(String(320))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="shipments")

    @property
    def carrier_label(self) -> str:
        if self.carrier is Carrier.OTHER and self.carrier_name:
            return self.carrier_name
        return CARRIER_NAMES[self.carrier]

    @property
    def tracking_link(self) -> str | None:
        """The carrier's page for this parcel, or None when there is none to link to."""
        if self.carrier is Carrier.OTHER:
            return self.tracking_url
        if not self.tracking_number:
            return None
        return TRACKING_PAGES[self.carrier].format(number=quote(self.tracking_number, safe=""))


class DownloadLink(db.Model):
    """A download link of one digital line: good until `expires_at`, for `max_downloads`
    downloads. Each download is counted by one conditional UPDATE, so the last allowed
    download can be taken once, however many arrive together."""

    __tablename__ = "download_links"
    __table_args__ = (CheckConstraint("downloads >= 0 AND downloads <= max_downloads", name="downloads_within_limit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_downloads: Mapped[int]
    downloads: Mapped[int] = mapped_column(default=0)
    last_downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The used-up or expired link this one replaced: unique, so a button pressed twice (or
    # on two servers at once) makes one fresh link, not two.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("download_links.id", ondelete="SET NULL"), unique=True)

    line: Mapped[OrderLine] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.downloads < self.max_downloads and now < self.expires_at

    def downloads_left(self) -> int:
        return max(0, self.max_downloads - self.downloads)


# A dispute in any of these is still open; the first three wait for our answer.
DISPUTE_NEEDS_ANSWER = ("needs_response", "warning_needs_response", "appeal_needs_response")
DISPUTE_OPEN = DISPUTE_NEEDS_ANSWER + ("under_review", "warning_under_review", "appeal_under_review")


class OrderDispute(db.Model):
    """A dispute the shopper's bank opened against the order's payment, as Stripe last
    described it to us."""

    __tablename__ = "order_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    stripe_dispute_id: Mapped[str] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(40), index=True)
    # When our answer (evidence) must reach Stripe; None when the bank allows no answer.
    evidence_due_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When we read this state from Stripe: a reading older than the one stored never wins.
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="disputes")

    @property
    def is_open(self) -> bool:
        return self.status in DISPUTE_OPEN

    @property
    def needs_answer(self) -> bool:
        return self.status in DISPUTE_NEEDS_ANSWER
