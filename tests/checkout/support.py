"""Helpers for the money-path tests: Stripe-style webhook signing and events, a
shopper's cart-to-checkout steps, and fresh reads of what the database now holds."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import sqlalchemy as sa

from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus, StripeEvent
from shop.outbox.models import OutboxEmail

API_VERSION = "2025-03-31.basil"


# ---------------------------------------------------------------- Stripe's signing

def stripe_signature(body: str | bytes, secret: str, timestamp: int | None = None, scheme: str = "v1") -> str:
    """A Stripe-Signature header as Stripe builds it: `t=<ts>,v1=<hex HMAC-SHA256>` where the
    key is the whole endpoint secret and the message is `<ts>.<raw body>`."""
    t = int(time.time()) if timestamp is None else timestamp
    raw = body.encode("utf-8") if isinstance(body, str) else body
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={t},{scheme}={mac}"


def stripe_event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None,
                 previous_attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event object shaped as Stripe's API reference shows it (snapshot payload)."""
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id or f"evt_1{secrets.token_hex(12)}",
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def event_body(event: dict[str, Any]) -> str:
    # Stripe sends pretty-printed JSON; the signature covers these exact bytes.
    return json.dumps(event, indent=2)


def post_webhook(client, body: str | bytes, signature: str | None):
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    return client.post("/webhooks/stripe", data=body, headers=headers, content_type="application/json")


def deliver(client, event: dict[str, Any], secret: str):
    """POST one event signed with `secret`, as Stripe would deliver it."""
    body = event_body(event)
    return post_webhook(client, body, stripe_signature(body, secret))


def last_event(standin, event_type: str) -> dict[str, Any]:
    found = standin.events(event_type)
    assert found, f"the stand-in sent no {event_type}"
    return found[-1]


# ---------------------------------------------------------------- shopper steps

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


# ---------------------------------------------------------------- reading afresh

def fresh() -> None:
    """End the test's transaction: what other threads and requests wrote becomes visible."""
    db.session.rollback()


def reload(order: Order) -> Order:
    fresh()
    return db.session.get(Order, order.id)


def stock_of(product: Product) -> int | None:
    fresh()
    return db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))


def count(model, *where) -> int:
    fresh()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def outbox_count() -> int:
    return count(OutboxEmail)


def paid_transitions(order: Order) -> int:
    return count(OrderEvent, OrderEvent.order_id == order.id, OrderEvent.to_status == OrderStatus.PAID)


def stripe_event_rows() -> int:
    return count(StripeEvent)


def cart_lines(cart_token: str | None) -> list[tuple[int, int]]:
    """(product id, quantity) of each line of the cart, in order."""
    fresh()
    return list(db.session.execute(
        sa.select(CartLine.product_id, CartLine.quantity).join(Cart).where(Cart.token == cart_token).order_by(CartLine.id)
    ).tuples())


def stripe_session(standin, session_id: str) -> dict[str, Any]:
    """The Checkout Session as the stand-in holds it, read through the real stripe library."""
    session = standin.client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["line_items"]})
    return session.to_dict(recursive=True)
