"""The order list and page, shipping, and clearing a review flag."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.database import utcnow
from shop.extensions import db
from shop.orders.models import EventKind, Order, OrderEvent, OrderRefund, OrderStatus
from tests.factories import STAFF_EMAIL, make_order, make_submitted_story
from tests.support.html import page_text


def _fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def _events(order: Order) -> list[OrderEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)))


def test_dashboard_counts_what_waits_for_staff(staff_client):
    make_order(status=OrderStatus.PAID)
    make_order(status=OrderStatus.FULFILLED)
    make_order(status=OrderStatus.SHIPPED, needs_review=True, review_reason="Refund for a shipped order")
    make_order(status=OrderStatus.PENDING, needs_review=True, review_reason="Amounts disagree")
    make_order(status=OrderStatus.REFUNDED)
    make_submitted_story()
    make_submitted_story(published=True)
    text = page_text(staff_client.get("/admin"))
    assert "Orders that need review 2" in text
    assert "Paid orders to ship 2" in text
    assert "Stories waiting for review 1" in text


def test_order_list_newest_first_with_status_filters(staff_client):
    now = utcnow()
    old = make_order(status=OrderStatus.SHIPPED, created_at=now - timedelta(days=2))
    middle = make_order(status=OrderStatus.PAID, created_at=now - timedelta(days=1))
    new = make_order(status=OrderStatus.PENDING, created_at=now, needs_review=True, review_reason="Amounts disagree")
    text = page_text(staff_client.get("/admin/orders"))
    assert text.index(new.number) < text.index(middle.number) < text.index(old.number)
    assert "Needs review" in text.split(new.number, 1)[1][:20]

    paid = page_text(staff_client.get("/admin/orders?status=paid"))
    assert middle.number in paid and old.number not in paid and new.number not in paid
    review = page_text(staff_client.get("/admin/orders?status=needs_review"))
    assert new.number in review and middle.number not in review
    assert staff_client.get("/admin/orders?status=lost").status_code == 404


def test_order_list_paginates_keeping_the_filter(staff_client):
    for _ in range(27):
        make_order(status=OrderStatus.PAID, commit=False)
    make_order(status=OrderStatus.SHIPPED)
    first = staff_client.get("/admin/orders?status=paid")
    assert "Page 1 of 2" in page_text(first)
    assert "/admin/orders?page=2&amp;status=paid" in first.get_data(as_text=True)
    assert page_text(staff_client.get("/admin/orders?status=paid&page=2")).count("Paid, to ship") == 2 + 1  # rows + filter option
    assert staff_client.get("/admin/orders?page=3").status_code == 404
    assert staff_client.get("/admin/orders?page=0").status_code == 404


def test_order_page_shows_everything_staff_need(staff_client):
    order = make_order(status=OrderStatus.PAID, lines=2, needs_review=True, review_reason="Stripe's amounts disagree")
    db.session.add(OrderRefund(order_id=order.id, stripe_refund_id="re_test_1", amount_cents=700, status="succeeded"))
    db.session.commit()
    response = staff_client.get(f"/admin/orders/{order.number}")
    assert response.status_code == 200
    text = page_text(response)
    for expected in (order.number, "Paid, to ship", order.email, "Grip ball 0", "Grip ball 1", "GRIP-1", "$30.00",
                     "$5.00", "$35.00", "Shopper", "1 High Street", "Springfield 12345", order.stripe_session_id,
                     order.stripe_payment_intent_id, "re_test_1", "$7.00", "succeeded", "Stripe's amounts disagree",
                     "Order created from the cart", "Payment received", "Waiting for payment → Paid, to ship",
                     "stripe:evt_test", "Left to refund: $28.00", "Mark shipped", "Mark reviewed"):
        assert expected in text, expected
    assert "when Stripe confirms the refund" in text
    assert staff_client.get("/admin/orders/SH-NOSUCH").status_code == 404


def test_order_page_offers_only_what_the_state_allows(staff_client):
    order = make_order(status=OrderStatus.PENDING)
    text = page_text(staff_client.get(f"/admin/orders/{order.number}"))
    assert "Waiting for payment" in text
    assert "Mark shipped" not in text and "Left to refund" not in text and "Mark reviewed" not in text


@pytest.mark.parametrize("path", ["/admin/orders", "/admin", "/admin/orders?status=needs_review"])
def test_queries_per_page_do_not_grow_with_orders(staff_client, count_queries, path):
    def queries_with(total: int) -> int:
        while db.session.scalar(sa.select(sa.func.count()).select_from(Order)) < total:
            make_order(status=OrderStatus.PAID, needs_review=True, lines=2, commit=False)
        db.session.commit()
        with count_queries() as queries:
            assert staff_client.get(path).status_code == 200
        return len(queries)

    assert queries_with(5) == queries_with(100)


def test_order_page_queries_do_not_grow_with_lines_or_history(staff_client, count_queries):
    small, big = make_order(lines=1), make_order(lines=30)
    for i in range(30):
        big.record(EventKind.NOTE, source="test", message=f"note {i}")
    db.session.commit()
    counts = []
    for order in (small, big):
        with count_queries() as queries:
            staff_client.get(f"/admin/orders/{order.number}")
        counts.append(len(queries))
    assert counts[0] == counts[1]


USPS_PARCEL = {"parcels-0-carrier": "usps", "parcels-0-tracking_number": "9400 1000 0000 0000 0000 01"}


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.FULFILLED])
def test_mark_shipped(staff_client, status):
    order = make_order(status=status)
    response = staff_client.post(f"/admin/orders/{order.number}/ship", data=USPS_PARCEL)
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/orders/{order.number}"
    assert "is marked shipped in 1 parcel" in page_text(staff_client.get(response.headers["Location"]))
    fresh = _fresh(order)
    assert fresh.status is OrderStatus.SHIPPED and fresh.shipped_at is not None
    last = _events(order)[-1]
    assert (last.source, last.from_status, last.to_status) == (f"staff:{STAFF_EMAIL}", status, OrderStatus.SHIPPED)

    again = staff_client.post(f"/admin/orders/{order.number}/ship", data=USPS_PARCEL)  # the same form, twice
    assert again.status_code == 303
    assert "were already recorded" in page_text(staff_client.get(again.headers["Location"]))
    assert _events(order)[-1].id == last.id and len(_fresh(order).shipments) == 1


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.REFUNDED, OrderStatus.CANCELLED])
def test_mark_shipped_refuses_an_illegal_move(staff_client, status):
    order = make_order(status=status)
    before = len(_events(order))
    response = staff_client.post(f"/admin/orders/{order.number}/ship", data=USPS_PARCEL)
    assert response.status_code == 409
    text = page_text(response)
    assert "can't be marked shipped" in text and "Nothing was changed" in text
    assert _fresh(order).status is status and len(_events(order)) == before and _fresh(order).shipments == []


def test_mark_shipped_unknown_order_is_404(staff_client):
    assert staff_client.post("/admin/orders/SH-NOSUCH/ship", data=USPS_PARCEL).status_code == 404


def test_mark_reviewed_clears_the_flag_with_a_note(staff_client):
    order = make_order(status=OrderStatus.PAID, needs_review=True, review_reason="Stripe's amounts disagree")
    empty = staff_client.post(f"/admin/orders/{order.number}/review", data={"note": "  "})
    assert empty.status_code == 400 and "Please write a short note" in page_text(empty)
    assert _fresh(order).needs_review is True

    response = staff_client.post(f"/admin/orders/{order.number}/review", data={"note": "Checked in Stripe: all fine"})
    assert response.status_code == 303
    fresh = _fresh(order)
    assert fresh.needs_review is False and fresh.review_reason is None and fresh.status is OrderStatus.PAID
    last = _events(order)[-1]
    assert last.source == f"staff:{STAFF_EMAIL}"
    assert "Checked in Stripe: all fine" in last.message and "Stripe's amounts disagree" in last.message
    text = page_text(staff_client.get(f"/admin/orders/{order.number}"))
    assert "Checked in Stripe: all fine" in text and "This order needs review" not in text
