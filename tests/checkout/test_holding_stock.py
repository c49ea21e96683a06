"""Nobody can hold all the stock: checkouts are limited per client and per cart, a cart
holds at most CART_MAX_QUANTITY of a product, and shoppers are told the truth when units
are held in other shoppers' checkouts rather than sold."""
from __future__ import annotations

import pytest

from shop.orders.models import Order, OrderStatus
from tests.factories import make_product
from tests.support.db import count, stock_of
from tests.support.html import page_text
from tests.support.shopper import add_to_cart, checkout
from tests.support.stripe import WEBHOOK_SECRET, deliver, last_event

HELD = "held in other shoppers' checkouts right now"


@pytest.fixture
def app_config():
    return {"CHECKOUT_LIMIT_PER_CLIENT": "4 per minute", "CHECKOUT_LIMIT_PER_CART": "2 per minute"}


def test_cookieless_clients_cannot_start_checkouts_without_limit(app, standin):
    # Found by probing: three cookieless clients emptied the device's stock in 0.1 s.
    device = make_product(name="SteadyHand Trainer", stock=50)
    statuses = []
    for _ in range(6):
        bot = app.test_client()  # a fresh client each time: no cookie, a new cart
        add_to_cart(bot, device, 10)
        statuses.append(bot.post("/checkout").status_code)

    assert statuses == [303] * 4 + [429] * 2
    assert count(Order) == 4 and stock_of(device) == 10


def test_one_cart_cannot_start_checkouts_without_limit(app, client, standin):
    device = make_product(stock=50)
    add_to_cart(client, device, 1)

    statuses = [client.post("/checkout").status_code for _ in range(3)]

    assert statuses == [303, 303, 429]
    assert "wait a minute" in page_text(client.post("/checkout"))
    # The second checkout replaced the first: one pending order holds one unit.
    assert count(Order, Order.status == OrderStatus.PENDING) == 1 and stock_of(device) == 49


def test_a_cart_holds_at_most_the_household_cap_of_one_product(app, client):
    # CART_MAX_QUANTITY is that cap: adding, changing a line and checkout all enforce it.
    device = make_product(stock=50)
    add_to_cart(client, device, 10)  # CART_MAX_QUANTITY
    response = client.post("/cart/items", data={"product": device.slug, "quantity": "1"})
    assert response.status_code == 400 and "You can buy up to 10" in page_text(response)
    assert client.post("/cart/items/1", data={"quantity": "11"}).status_code == 400


def test_the_product_page_says_units_are_held_in_other_checkouts(app, standin):
    mat = make_product(name="Tabletop Mat", stock=2)
    first, second = app.test_client(), app.test_client()
    checkout(first, mat, 2)

    text = page_text(second.get(f"/products/{mat.slug}"))

    assert "Out of stock" in text and f"2 are {HELD}" in text and "try again in a few minutes" in text
    # The shopper whose checkout holds them is not told that others do.
    assert HELD not in page_text(first.get(f"/products/{mat.slug}"))


def test_adding_a_held_product_says_why_it_cannot_be_added(app, standin):
    mat = make_product(name="Tabletop Mat", stock=3)
    checkout(app.test_client(), mat, 2)
    shopper = app.test_client()

    response = shopper.post("/cart/items", data={"product": mat.slug, "quantity": "3"})

    text = page_text(shopper.get(response.headers["Location"]))
    assert "We have only 1 of the Tabletop Mat left" in text and f"2 are {HELD}" in text


def test_checking_out_a_held_product_says_why_and_the_cart_page_too(app, standin):
    mat = make_product(name="Tabletop Mat", stock=1)
    shopper = app.test_client()
    add_to_cart(shopper, mat, 1)
    checkout(app.test_client(), mat, 1)

    response = shopper.post("/checkout")

    assert response.headers["Location"].endswith("/cart")
    text = page_text(shopper.get("/cart"))
    assert "now out of stock" in text and f"1 is {HELD}" in text


def test_when_the_other_checkout_expires_the_note_goes_and_the_stock_is_back(app, client, standin):
    mat = make_product(name="Tabletop Mat", stock=2)
    order = checkout(app.test_client(), mat, 2)
    standin.expire_now(order.stripe_session_id)
    deliver(client, last_event(standin, "checkout.session.expired"), WEBHOOK_SECRET)

    text = page_text(client.get(f"/products/{mat.slug}"))
    assert stock_of(mat) == 2 and HELD not in text and "Only 2 left" in text


def test_a_line_over_the_household_cap_of_a_product_no_longer_sold_says_only_that(app, client):
    # The held-elsewhere note sits beside the cart's other notices, never in place of one.
    device = make_product(name="Old Trainer", stock=50)
    add_to_cart(client, device, 10)
    device.active = False
    app.config["CART_MAX_QUANTITY"] = 5
    text = page_text(client.get("/cart"))
    assert "no longer sold" in text and "You can buy up to 5" not in text and HELD not in text
