"""Refunds through the real stand-in: staff send the refund, Stripe's webhooks move the
order; amounts above what is left, and Stripe out of reach, change nothing."""
from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderRefund, OrderStatus
from tests.factories import STAFF_EMAIL, make_product
from tests.support.db import count, reload
from tests.support.html import page_text
from tests.support.shopper import checkout

ATTEMPT = "attempt-0123456789abcdef"


@pytest.fixture
def paid_order(app, standin, live_shop) -> Order:
    """A $40.00 product (plus shipping) on the stand-in, its webhook delivered to the shop."""
    product = make_product(price_cents=4000, stock=5)
    order = checkout(app.test_client(), product)
    assert standin.pay(order.stripe_session_id)["http_status"] in (200, 303)
    standin.wait_for_deliveries()
    order = reload(order)
    assert order.status is OrderStatus.PAID and order.stripe_payment_intent_id
    return order


def _refund(client, order: Order, attempt: str = ATTEMPT, **data):
    return client.post(f"/admin/orders/{order.number}/refund", data={"attempt": attempt, **data})


def _refunds(order: Order) -> list[OrderRefund]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OrderRefund).where(OrderRefund.order_id == order.id)))


def test_full_refund_ends_refunded_after_the_webhook(staff_client, standin, paid_order):
    total = paid_order.total_cents
    response = _refund(staff_client, paid_order, scope="full")
    assert response.status_code == 303
    assert "The order's status changes when Stripe confirms" in page_text(staff_client.get(response.headers["Location"]))
    standin.wait_for_deliveries()
    order = reload(paid_order)
    assert order.status is OrderStatus.REFUNDED and order.amount_refunded_cents == total
    assert [r.amount_cents for r in _refunds(order)] == [total]
    staff_event = db.session.scalar(sa.select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.source == f"staff:{STAFF_EMAIL}"))
    assert "Refund of $" in staff_event.message and staff_event.to_status is None
    text = page_text(staff_client.get(f"/admin/orders/{order.number}"))
    assert "Refunded" in text and "Left to refund" not in text

    again = _refund(staff_client, order, attempt="another-attempt-0123456", scope="full")
    assert again.status_code == 409 and "already been refunded in full" in page_text(again)


def test_partial_refund_ends_partially_refunded_and_lowers_what_is_left(staff_client, standin, paid_order):
    response = _refund(staff_client, paid_order, scope="part", amount="12.50")
    assert response.status_code == 303
    standin.wait_for_deliveries()
    order = reload(paid_order)
    assert order.status is OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded_cents == 1250
    left = order.total_cents - 1250
    assert f"Left to refund: ${_money(left)}" in page_text(staff_client.get(f"/admin/orders/{order.number}"))

    # The same form sent again (a double click) refunds once.
    repeat = _refund(staff_client, order, scope="part", amount="12.50")
    assert repeat.status_code == 303
    standin.wait_for_deliveries()
    assert reload(order).amount_refunded_cents == 1250 and len(_refunds(order)) == 1
    assert len(standin.events("refund.created")) == 1


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@pytest.mark.parametrize("amount", ["a cent more", "100000", "0.00", "12.345", "ten"])
def test_refund_above_what_is_left_or_not_money_is_refused(staff_client, standin, paid_order, amount):
    total = paid_order.total_cents
    before = count(OrderEvent, OrderEvent.order_id == paid_order.id)
    typed = _money(total + 1) if amount == "a cent more" else amount
    response = _refund(staff_client, paid_order, scope="part", amount=typed)
    assert response.status_code == 400
    text = page_text(response)
    assert f"At most ${_money(total)} can be refunded" in text or "Enter an amount" in text
    standin.wait_for_deliveries()
    assert standin.events("refund.created") == []
    order = reload(paid_order)
    assert order.status is OrderStatus.PAID and order.amount_refunded_cents == 0
    assert count(OrderEvent, OrderEvent.order_id == order.id) == before


def test_second_partial_refund_may_not_pass_what_the_first_left(staff_client, standin, paid_order):
    total = paid_order.total_cents
    assert _refund(staff_client, paid_order, scope="part", amount="30").status_code == 303
    # Checked against the refund just sent, even before Stripe's webhook says so.
    response = _refund(staff_client, paid_order, attempt="second-attempt-0123456", scope="part",
                       amount=_money(total - 3000 + 1))
    assert response.status_code == 400 and f"At most ${_money(total - 3000)} can be refunded" in page_text(response)
    assert _refund(staff_client, paid_order, attempt="third-attempt-01234567", scope="full").status_code == 303
    standin.wait_for_deliveries()
    order = reload(paid_order)
    assert order.status is OrderStatus.REFUNDED and order.amount_refunded_cents == total
    assert sorted(r.amount_cents for r in _refunds(order)) == sorted([3000, total - 3000])


def test_refund_needs_a_choice_and_an_amount_for_part(staff_client, paid_order):
    assert "Please choose how much to refund" in page_text(_refund(staff_client, paid_order))
    assert "Enter an amount" in page_text(_refund(staff_client, paid_order, scope="part", amount=""))


def test_refund_of_an_unpaid_order_is_refused(staff_client, standin, app):
    order = checkout(app.test_client(), make_product(price_cents=4000))
    response = _refund(staff_client, order, scope="full")
    assert response.status_code == 409 and "never paid" in page_text(response)
    assert standin.events("refund.created") == []


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_stripe_unreachable_says_so_and_changes_nothing(app, staff_client, standin, paid_order):
    app.config["STRIPE_API_BASE"] = closed_port_url()
    app.extensions.pop("stripe_client", None)  # the gateway caches its client
    events_before = count(OrderEvent, OrderEvent.order_id == paid_order.id)
    response = _refund(staff_client, paid_order, scope="part", amount="5.00")
    assert response.status_code == 503
    text = page_text(response)
    assert "could not reach Stripe, so nothing was refunded and nothing was changed" in text
    assert f'value="{ATTEMPT}"' in response.get_data(as_text=True)  # trying again reuses the key
    order = reload(paid_order)
    assert order.status is OrderStatus.PAID and order.amount_refunded_cents == 0
    assert _refunds(order) == [] and count(OrderEvent, OrderEvent.order_id == order.id) == events_before
    assert standin.events("refund.created") == []
