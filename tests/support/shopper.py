"""A shopper's steps, through the shop's HTTP interface as a browser would take them."""
from __future__ import annotations

import sqlalchemy as sa

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from tests.support.db import fresh


def add_to_cart(client, product: Product, quantity: int = 1) -> None:
    response = client.post("/cart/items", data={"product": product.slug, "quantity": str(quantity)})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def checkout(client, product: Product | None = None, quantity: int = 1) -> Order:
    """Put `product` in the cart (when given), press Checkout, return the pending order."""
    if product is not None:
        add_to_cart(client, product, quantity)
    response = client.post("/checkout")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    fresh()
    order = db.session.scalar(sa.select(Order).order_by(Order.id.desc()))
    assert order is not None and order.status is OrderStatus.PENDING and order.stripe_session_id
    assert response.headers["Location"] == order.session_url
    return order


STAFF_PASSWORD = "a long staff password"


def log_in(client, email: str, password: str = STAFF_PASSWORD) -> None:
    """Log in through the real /login form."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
