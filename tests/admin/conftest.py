"""Fixtures for the staff area: a staff account, a logged-in client, orders and stories."""
from __future__ import annotations

import itertools
from typing import Any

import pytest

from shop.accounts.models import StaffUser
from shop.database import utcnow
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.testimonials.models import StorySource, Testimonial
from shop.testimonials.services import CONSENT_SCOPE_SUBMITTED
from tests.checkout.conftest import LiveShop, live_shop, standin  # noqa: F401  (shared fixtures)

STAFF_EMAIL = "ann@example.com"
STAFF_PASSWORD = "a long staff password"

_seq = itertools.count(1)


def make_staff(email: str = STAFF_EMAIL, *, active: bool = True) -> StaffUser:
    user = StaffUser(email=email, name="Ann", active=active)
    user.set_password(STAFF_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def log_in(client, email: str = STAFF_EMAIL) -> None:
    response = client.post("/login", data={"email": email, "password": STAFF_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


@pytest.fixture
def staff(app) -> StaffUser:
    return make_staff()


@pytest.fixture
def staff_client(client, staff):
    """A client logged in as active staff, through the real /login form."""
    log_in(client)
    return client


def make_order(*, status: OrderStatus = OrderStatus.PAID, lines: int = 1, commit: bool = True, **fields: Any) -> Order:
    """An order as checkout and the webhook leave it, without Stripe."""
    n = next(_seq)
    values: dict[str, Any] = {
        "currency": "usd", "subtotal_cents": 1500 * lines, "shipping_cents": 500, "total_cents": 1500 * lines + 500,
        "email": f"shopper{n}@example.com", "shipping_name": f"Shopper {n}",
        "shipping_address": {"line1": "1 High Street", "city": "Springfield", "postal_code": "12345", "country": "US"},
        "stripe_session_id": f"cs_test_{n:08d}", "stripe_payment_intent_id": f"pi_test_{n:08d}",
    }
    values.update(fields)
    order = Order(**values, lines=[
        OrderLine(product_name=f"Grip ball {i}", sku=f"GRIP-{i}", unit_price_cents=1500, quantity=1) for i in range(lines)
    ])
    order.record(source="checkout", message="Order created from the cart; stock reserved")
    if status is not OrderStatus.PENDING:
        order.paid_at = utcnow() if status is not OrderStatus.EXPIRED else None
        order.record(source="stripe:evt_test", message="Payment received", from_status=OrderStatus.PENDING,
                     to_status=status)
    order.status = status
    db.session.add(order)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return order


def make_submitted_story(name: str = "Maria", **fields: Any) -> Testimonial:
    n = next(_seq)
    values: dict[str, Any] = {
        "slug": f"submitted-{n:012x}", "display_name": name, "headline": f"{name}'s story",
        "quote": "I can hold a cup again.", "story": "I can hold a cup again.\n\nIt took months of practice.",
        "published": False, "source": StorySource.VISITOR, "consent_given_at": utcnow(),
        "consent_scope": CONSENT_SCOPE_SUBMITTED, "contact_email": f"writer{n}@example.com", "position": 1000,
    }
    values.update(fields)
    story = Testimonial(**values)
    db.session.add(story)
    db.session.commit()
    return story
