"""A whole purchase through real parts: cart -> checkout -> the stand-in's hosted page
-> signed webhook -> order paid, stock reduced, one email over real SMTP."""
import re
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.outbox.models import OutboxEmail
from shop.outbox.services import send_pending
from tests.factories import make_product
from tests.support.html import page_text


def test_cart_to_paid_order_to_one_email(app, client, standin, live_shop, smtp_server):
    smtp_url, mailbox = smtp_server
    trainer = make_product(name="SteadyHand Trainer", price_cents=29900, stock=5)
    client.post("/cart/items", data={"product": trainer.slug, "quantity": "2"})

    response = client.post("/checkout")
    assert response.status_code == 303
    pay_url = response.headers["Location"]
    assert pay_url.startswith(standin.base_url)
    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PENDING and order.stripe_session_id
    assert db.session.scalar(sa.select(Product.stock).where(Product.id == trainer.id)) == 3  # reserved

    paid = standin.pay(order.stripe_session_id, method="card_success")
    standin.wait_for_deliveries()
    db.session.rollback()  # read afresh: the webhook was handled in another thread
    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PAID, [e.message for e in order.events]
    assert order.total_cents == 59800 and order.subtotal_cents == 59800 and order.shipping_cents == 0
    assert order.stripe_payment_intent_id and order.email and order.shipping_address
    assert db.session.scalar(sa.select(Product.stock).where(Product.id == trainer.id)) == 3

    # The shopper's browser lands on the success page after the webhook: nothing doubles.
    success = urlsplit(paid.get("redirect_url") or paid.get("location") or "")
    session_id = parse_qs(success.query).get("session_id", [order.stripe_session_id])[0]
    page = client.get(f"/checkout/success?session_id={session_id}")
    assert page.status_code == 200
    text = page_text(page)
    assert order.number in text and "$598.00" in text and "confirmed" in text
    assert "No products in the cart." in page_text(client.get("/cart"))

    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 1
    assert send_pending(smtp_url, "shop@example.com") == (1, 0)
    assert send_pending(smtp_url, "shop@example.com") == (0, 0)
    messages = mailbox.wait_for(1)
    assert len(messages) == 1
    assert order.number in messages[0]["Subject"] and messages[0]["To"] == order.email
    assert re.search(r"2 x SteadyHand Trainer", messages[0].get_body(("plain",)).get_content())
