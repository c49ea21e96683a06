"""POST /checkout through the real `stripe` library against the stand-in over HTTP."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.catalog.models import Product, ProductKind
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, StockState
from tests.factories import make_product
from tests.support.db import cart_lines, count, fresh, reload, stock_of
from tests.support.html import page_text
from tests.support.shopper import add_to_cart, checkout
from tests.support.stripe import stripe_session


def _sessions_at_stripe(standin) -> int:
    return len(standin.standin.store.sessions)


def test_checkout_sends_the_shopper_to_stripe_with_our_lines_and_amounts(app, client, standin):
    trainer = make_product(name="Trainer", sku="TR-1", price_cents=2990, stock=5)
    grip = make_product(name="Grip ball", sku="GR-1", price_cents=500, stock=20)
    add_to_cart(client, trainer, 2)
    add_to_cart(client, grip, 1)

    response = client.post("/checkout")

    assert response.status_code == 303
    assert response.headers["Location"].startswith(standin.base_url + "/")
    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PENDING and order.stock_state is StockState.RESERVED
    assert (order.subtotal_cents, order.shipping_cents, order.total_cents) == (6480, 995, 7475)
    assert [(line.sku, line.unit_price_cents, line.quantity) for line in order.lines] == [("TR-1", 2990, 2), ("GR-1", 500, 1)]
    assert stock_of(trainer) == 3 and stock_of(grip) == 19

    session = stripe_session(standin, order.stripe_session_id)
    assert session["url"] == response.headers["Location"]
    assert session["status"] == "open" and session["mode"] == "payment"
    assert [(i["description"], i["quantity"], i["price"]["unit_amount"], i["amount_total"])
            for i in session["line_items"]["data"]] == [("Trainer", 2, 2990, 5980), ("Grip ball", 1, 500, 500)]
    assert session["currency"] == "usd"
    assert session["amount_subtotal"] == 6480 and session["amount_total"] == 7475
    assert session["total_details"]["amount_shipping"] == 995
    assert session["client_reference_id"] == order.number
    assert session["metadata"] == {"order_number": order.number}
    assert session["shipping_address_collection"] == {"allowed_countries": app.config["SHIPPING_COUNTRIES"]}
    assert session["success_url"].endswith("/checkout/success?session_id={CHECKOUT_SESSION_ID}")
    assert int(order.session_expires_at.timestamp()) == session["expires_at"]
    assert 30 * 60 < session["expires_at"] - session["created"] <= 31 * 60


def test_orders_at_the_free_shipping_threshold_ship_free(app, client, standin):
    device = make_product(price_cents=app.config["FREE_SHIPPING_FROM_CENTS"], stock=3)

    order = checkout(client, device)

    assert (order.shipping_cents, order.total_cents) == (0, 10000)
    session = stripe_session(standin, order.stripe_session_id)
    assert session["amount_total"] == 10000 and session["total_details"]["amount_shipping"] == 0
    assert session["shipping_address_collection"] is not None


def test_a_digital_only_cart_checks_out_without_shipping(app, client, standin):
    guide = make_product(name="Exercise guide", kind=ProductKind.DIGITAL, price_cents=1900, stock=None)

    order = checkout(client, guide)

    assert (order.shipping_cents, order.total_cents) == (0, 1900)
    assert order.stock_state is StockState.RESERVED and stock_of(guide) is None
    session = stripe_session(standin, order.stripe_session_id)
    assert session["shipping_address_collection"] is None
    assert session["shipping_options"] == [] and session["amount_total"] == 1900


def test_a_price_posted_with_the_form_is_ignored(app, client, standin):
    trainer = make_product(price_cents=29900, stock=5)
    add_to_cart(client, trainer, 1)

    response = client.post("/checkout", data={"price": "1", "unit_amount": "1", "price_cents": "1",
                                              "amount_total": "1", "line_items[0][price_data][unit_amount]": "1"})

    assert response.status_code == 303
    order = db.session.scalar(sa.select(Order))
    assert order.total_cents == 29900
    session = stripe_session(standin, order.stripe_session_id)
    assert session["line_items"]["data"][0]["price"]["unit_amount"] == 29900
    assert session["amount_total"] == 29900


def test_the_price_charged_is_the_price_at_checkout_not_when_added(app, client, standin):
    trainer = make_product(price_cents=2000, stock=5)
    add_to_cart(client, trainer, 1)
    trainer.price_cents = 2500
    db.session.commit()

    order = checkout(client)

    assert order.lines[0].unit_price_cents == 2500
    assert stripe_session(standin, order.stripe_session_id)["amount_subtotal"] == 2500


def test_stock_short_at_checkout_explains_the_line_and_keeps_the_cart(app, client, standin):
    trainer = make_product(name="SteadyHand Trainer", stock=5)
    grip = make_product(name="Grip ball", stock=20)
    add_to_cart(client, trainer, 3)
    add_to_cart(client, grip, 1)
    trainer.stock = 2  # someone else bought meanwhile
    db.session.commit()
    token = db.session.scalar(sa.text("SELECT token FROM carts"))

    response = client.post("/checkout")

    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    text = page_text(client.get("/cart"))
    assert "Only 2 of the SteadyHand Trainer are left" in text
    assert "Please fix the items marked in your cart" in text
    assert "Grip ball are left" not in text
    assert cart_lines(token) == [(trainer.id, 3), (grip.id, 1)]
    assert count(Order) == 0
    assert stock_of(trainer) == 2 and stock_of(grip) == 20
    assert _sessions_at_stripe(standin) == 0


def test_an_empty_cart_cannot_check_out(app, client, standin):
    trainer = make_product(stock=5)
    add_to_cart(client, trainer, 1)
    line_id = db.session.scalar(sa.text("SELECT id FROM cart_lines"))
    client.post(f"/cart/items/{line_id}", data={"quantity": "0"})

    response = client.post("/checkout")

    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    assert "Your cart is empty." in page_text(client.get("/cart"))
    assert count(Order) == 0 and stock_of(trainer) == 5 and _sessions_at_stripe(standin) == 0


def test_a_browser_without_a_cart_cannot_check_out(app, client, standin):
    response = client.post("/checkout")

    assert response.status_code == 303
    assert "Your cart is empty." in page_text(client.get("/cart"))
    assert count(Order) == 0 and _sessions_at_stripe(standin) == 0


def test_a_cart_with_a_deactivated_product_cannot_check_out(app, client, standin):
    trainer = make_product(name="Old Trainer", stock=5)
    grip = make_product(name="Grip ball", stock=5)
    add_to_cart(client, trainer, 1)
    add_to_cart(client, grip, 1)
    trainer.active = False
    db.session.commit()

    response = client.post("/checkout")

    assert response.status_code == 303
    text = page_text(client.get("/cart"))
    assert "The Old Trainer is no longer sold." in text
    assert count(Order) == 0
    assert stock_of(trainer) == 5 and stock_of(grip) == 5
    assert _sessions_at_stripe(standin) == 0


def test_checkout_posted_from_another_site_is_refused(app, client, standin):
    trainer = make_product(stock=5)
    add_to_cart(client, trainer, 1)

    response = client.post("/checkout", headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})

    assert response.status_code == 403
    assert count(Order) == 0 and stock_of(trainer) == 5 and _sessions_at_stripe(standin) == 0


def test_checking_out_again_replaces_the_open_checkout(app, client, standin):
    trainer = make_product(stock=5)
    first = checkout(client, trainer, 2)

    second = checkout(client)

    first = reload(first)
    assert first.status is OrderStatus.CANCELLED and first.stock_state is StockState.RELEASED
    assert second.id != first.id and second.status is OrderStatus.PENDING
    assert stock_of(trainer) == 3  # reserved once, not twice
    assert stripe_session(standin, first.stripe_session_id)["status"] == "expired"
    assert stripe_session(standin, second.stripe_session_id)["status"] == "open"
    fresh()
    assert db.session.scalar(sa.select(sa.func.sum(Product.stock))) == 3


@pytest.mark.postgres_only
@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_checking_out_again_locks_every_product_it_touches_in_id_order_first(app, client, standin, count_queries):
    """A new checkout hands the old one's units back and takes its own: the products of both
    are locked up front in id order, before any stock moves. Otherwise the old order's
    product (a higher id) is locked first, then the new one's lower id: two such checkouts
    at once deadlocked under load."""
    earlier, later = make_product(stock=5), make_product(stock=5)
    checkout(client, later, 1)
    add_to_cart(client, earlier, 1)

    with count_queries() as queries:
        assert client.post("/checkout").status_code == 303

    on_products = [q for q in queries if re.search(r"\bproducts\b", q) and ("FOR" in q or q.startswith("UPDATE"))]
    assert "FOR NO KEY UPDATE" in on_products[0] and "ORDER BY products.id" in on_products[0]
    # then: the old order's unit back, and the new order's two taken
    assert all(q.startswith("UPDATE products") for q in on_products[1:]) and len(on_products) == 4
    assert stock_of(earlier) == 4 and stock_of(later) == 4


def test_back_from_stripe_then_checkout_again_with_the_last_units(app, client, standin):
    """The shopper's own unpaid checkout holds the last units: the cart still offers them,
    and a second checkout hands the first one's stock over instead of "sold out"."""
    mat = make_product(name="Tabletop Mat", stock=2)
    first = checkout(client, mat, 2)
    assert stock_of(mat) == 0

    cart_page = page_text(client.get("/cart"))  # as after pressing Back on Stripe's page
    assert "out of stock" not in cart_page and "Checkout" in cart_page

    response = client.post("/checkout")
    assert response.status_code == 303 and response.headers["Location"].startswith(standin.base_url)
    assert reload(first).status is OrderStatus.CANCELLED
    db.session.rollback()
    second = db.session.scalar(sa.select(Order).where(Order.id != first.id))
    assert second.status is OrderStatus.PENDING and second.stock_state is StockState.RESERVED
    assert stock_of(mat) == 0
    assert stripe_session(standin, first.stripe_session_id)["status"] == "expired"


def test_another_shoppers_reservation_still_counts_as_sold(app, standin):
    mat = make_product(name="Tabletop Mat", stock=2)
    first_shopper, second_shopper = app.test_client(), app.test_client()
    second_shopper.post("/cart/items", data={"product": mat.slug, "quantity": "2"})
    checkout(first_shopper, mat, 2)
    assert stock_of(mat) == 0
    assert "out of stock" in page_text(second_shopper.get("/cart"))
    response = second_shopper.post("/checkout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
