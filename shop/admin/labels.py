"""Words the staff area shows for the shop's states."""
from __future__ import annotations

from datetime import datetime

from shop.orders.models import OrderStatus

NEEDS_REVIEW = "needs_review"
DISPUTED = "disputed"

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
# The filters above the order list: (value of ?status=, label).
STATUS_FILTERS: list[tuple[str, str]] = (
    [("", "All orders"), (NEEDS_REVIEW, "Needs review"), (DISPUTED, "Open disputes")]
    + [(s.value, STATUS_LABELS[s]) for s in OrderStatus]
)


def staff_time(value: datetime | None) -> str:
    """5 March 2026, 14:05 UTC: every time in the staff area is in UTC, and says so."""
    return f"{value.day} {value:%B %Y, %H:%M} UTC" if value else ""
