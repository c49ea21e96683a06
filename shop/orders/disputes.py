"""Disputes: the shopper's bank questions the payment (charge.dispute.created, .updated,
.closed). We keep Stripe's description of each dispute against its order, and flag the
order so a person answers it in Stripe's dashboard before the due date.

Stripe does not promise to deliver events in order, so the checkout webhook reads each
dispute from Stripe again before applying it, and passes the time it asked: a reading
older than the one stored never overwrites it. Whatever order the events come in, the
order ends with Stripe's latest word.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from shop.extensions import db
from shop.money import format_money
from shop.orders.models import EventKind, OrderDispute
from shop.orders.services import id_of, lock_order

log = logging.getLogger(__name__)

# Stripe's reasons, in the words staff read.
REASON_WORDS = {
    "credit_not_processed": "says a refund was promised but not made",
    "duplicate": "says they were charged twice",
    "fraudulent": "says they did not make this payment",
    "general": "gives no particular reason",
    "product_not_received": "says the order never arrived",
    "product_unacceptable": "says the product was faulty or not as described",
    "subscription_canceled": "says they cancelled",
    "unrecognized": "does not recognise the payment",
}
STATUS_WORDS = {
    "warning_needs_response": "an inquiry: answer it in Stripe",
    "warning_under_review": "an inquiry: our answer is being reviewed",
    "warning_closed": "an inquiry, closed",
    "needs_response": "open: answer it in Stripe",
    "under_review": "open: our answer is being reviewed",
    "won": "won: the money stays with the shop",
    "lost": "lost: the money went back to the shopper",
    "prevented": "prevented",
    "appeal_needs_response": "appeal: answer it in Stripe",
    "appeal_under_review": "appeal: being reviewed",
}


def _due(dispute: dict[str, Any]) -> datetime | None:
    due_by = (dispute.get("evidence_details") or {}).get("due_by")
    # 0 means the bank allows no answer.
    return datetime.fromtimestamp(int(due_by), tz=timezone.utc) if due_by else None


def apply_dispute(dispute: dict[str, Any], *, source: str, read_at: datetime) -> str:
    """Keep Stripe's dispute (as read at `read_at`) against its order, in the caller's
    transaction, under the order's row lock. A new dispute flags the order, with its due
    date; a lost one flags it again. Idempotent: the same reading twice changes nothing."""
    order = lock_order(payment_intent_id=id_of(dispute.get("payment_intent")))
    if order is None:
        log.warning("dispute %s for a payment we do not know (%s)", dispute.get("id"), source)
        return "unknown order"
    row = db.session.scalar(select(OrderDispute).where(OrderDispute.stripe_dispute_id == dispute["id"]))
    if row is not None and row.read_at > read_at:
        return f"dispute {row.status} (kept: newer than this reading)"
    status, due = str(dispute.get("status") or "needs_response"), _due(dispute)
    amount = int(dispute.get("amount") or 0)
    currency = str(dispute.get("currency") or order.currency)
    previous = None if row is None else row.status
    if row is None:
        row = OrderDispute(order_id=order.id, stripe_dispute_id=dispute["id"],
                           opened_at=datetime.fromtimestamp(int(dispute.get("created") or 0), tz=timezone.utc))
        db.session.add(row)
    row.amount_cents, row.currency, row.reason = amount, currency, str(dispute.get("reason") or "general")[:64]
    row.status, row.evidence_due_by, row.read_at = status[:40], due, read_at
    if previous == status:
        return f"dispute {status}"

    reason = REASON_WORDS.get(row.reason, f"gives the reason {row.reason.replace('_', ' ')}")
    words = STATUS_WORDS.get(status, status.replace("_", " "))
    due_words = f" Answer by {due:%d %B %Y, %H:%M} UTC." if due and row.needs_answer else ""
    if previous is None:
        order.record(EventKind.DISPUTE, source=source,
                     message=f"The shopper's bank opened a dispute ({dispute['id']}) for "
                             f"{format_money(amount, currency)}: the shopper {reason}. It is {words}.{due_words}")
        order.flag_for_review(f"Dispute for {format_money(amount, currency)}: the shopper {reason}.{due_words}",
                              source=source)
    else:
        order.record(EventKind.DISPUTE, source=source, message=f"Dispute {dispute['id']} is now {words}.{due_words}")
        if status == "lost":
            order.flag_for_review(f"Dispute lost: {format_money(amount, currency)} went back to the shopper.",
                                  source=source)
    return f"dispute {status}"
