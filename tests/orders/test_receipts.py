"""The receipt PDF: read back with pypdf, it says what the order says, refunds included,
whatever script the shopper's name is written in."""
from __future__ import annotations

import io
import logging

import pytest
from pypdf import PdfReader

from shop.extensions import db
from shop.orders.models import OrderLine, OrderRefund, OrderStatus
from shop.orders.tokens import order_page_token
from tests.factories import make_order
from tests.support.db import reload
from tests.support.html import page_text
from tests.support.stripe import WEBHOOK_SECRET, all_delivered_ok, deliver, last_event


def receipt_text(client, order) -> tuple[str, PdfReader]:
    response = client.get(f"/orders/{order.number}/receipt.pdf?token={order_page_token(order.number)}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="receipt-{order.number}.pdf"'
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_the_receipt_matches_the_order_including_a_partial_refund(app, client, standin, paid_order):
    standin.refund_from_dashboard(paid_order.stripe_payment_intent_id, amount=1000)
    all_delivered_ok(standin)
    order = reload(paid_order)
    text, reader = receipt_text(client, order)
    flat = " ".join(text.split())
    for words in (order.number, "Steady Hand Rehab", "100 Example Road, Springfield, IL 62701", "care@example.com",
                  "SteadyHand Trainer", "$29.90", "$59.80", "Shipping: $9.95", "Tax: $0.00", "Total paid: $69.75",
                  "Paid with: Visa ending 4242", "$10.00 refunded", "Total refunded: $10.00",
                  "Paid after refunds: $59.75", "Jenny Rosen", "354 Oyster Point Blvd", "HSA, FSA",
                  f"Date paid: {order.paid_at.day} {order.paid_at:%B %Y}"):
        assert words in flat, words
    assert reader.metadata.title == f"Receipt for order {order.number}"


def test_names_and_addresses_in_any_script_never_fail_or_warn(app, client, caplog):
    order = make_order(shipping_name="Zoë Łukasz 王秀英\x07 🙂", email="zoe@example.org",
                       shipping_address={"line1": "Rua São João 5 ½\u202e", "city": "Ōsaka", "postal_code": "530",
                                         "country": "JP"})
    db.session.add(OrderLine(order_id=order.id, product_name="Grip ball ✋ (Ð)", sku="GRIP-Z", unit_price_cents=100,
                             quantity=1))
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        text, _ = receipt_text(client, order)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    flat = " ".join(text.split())
    assert "Zoë" in flat and "São João" in flat and "Osaka" in flat and "Ð" in flat
    assert "\x07" not in text and "\u202e" not in text


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_name_with_a_nul_byte_from_stripe_is_kept_without_it(app, client, standin, paid_at_stripe):
    event = last_event(standin, "checkout.session.completed")
    event["data"]["object"]["customer_details"]["name"] = "Jenny\x00 Rosen"
    event["data"]["object"]["collected_information"]["shipping_details"]["name"] = "Jenny\x00 Rosen"
    event["data"]["object"]["collected_information"]["shipping_details"]["address"]["line1"] = "354\x00 Oyster Point"
    assert deliver(client, event, WEBHOOK_SECRET).get_json()["outcome"] == "fulfilled"
    order = reload(paid_at_stripe)
    assert order.shipping_name == "Jenny Rosen" and order.shipping_address["line1"] == "354 Oyster Point"
    assert "Jenny Rosen" in receipt_text(client, order)[0]


def test_a_long_order_runs_onto_more_pages(client):
    order = make_order(lines=40, subtotal_cents=60000, total_cents=60500)
    text, reader = receipt_text(client, order)
    assert len(reader.pages) > 1
    assert all(f"Grip ball {i}" in text for i in range(40)) and "Total paid: $605.00" in " ".join(text.split())


def test_staff_open_the_same_receipt_from_the_order_page(staff_client):
    order = make_order(status=OrderStatus.SHIPPED)
    db.session.add(OrderRefund(order_id=order.id, stripe_refund_id="re_failed", amount_cents=500, status="failed"))
    db.session.commit()
    assert f'href="/admin/orders/{order.number}/receipt.pdf"' in staff_client.get(
        f"/admin/orders/{order.number}").get_data(as_text=True)
    response = staff_client.get(f"/admin/orders/{order.number}/receipt.pdf")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())
    assert order.number in text and "Total paid: $20.00" in text and "refunded" not in text  # a failed refund is none
    unpaid = make_order(status=OrderStatus.PENDING)
    refused = staff_client.get(f"/admin/orders/{unpaid.number}/receipt.pdf")
    assert refused.status_code == 404 and "not been paid" in page_text(refused)
