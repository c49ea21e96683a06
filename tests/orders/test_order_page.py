"""The shopper's own order page, behind the signed link in every email; the lookup that
emails that link; and the success page, which shows details only to the browser that paid."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import EventKind, Order, OrderRefund, OrderShipment, OrderStatus
from shop.orders.tokens import download_token, order_page_token
from tests.factories import make_order
from tests.support.db import reload
from tests.support.html import page_text
from tests.support.mail import links, local, queued
from tests.support.shopper import checkout
from tests.support.stripe import all_delivered_ok

NOT_FOUND = "We can't find that order."


def page_path(order: Order, token: str | None = None) -> str:
    return f"/orders/{order.number}?token={token or order_page_token(order.number)}"


def test_the_email_link_opens_a_page_that_answers_every_question(app, client, standin, live_shop, trainer):
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    all_delivered_ok(standin)
    order = reload(order)
    assert (order.payment_method_brand, order.payment_method_last4) == ("visa", "4242")
    assert EventKind.PAYMENT_METHOD in [e.kind for e in order.events]

    [email] = queued(to=order.email, subject="is confirmed")
    [order_link] = [url for url in links(email) if f"/orders/{order.number}?token=" in url]
    assert order_link.startswith(live_shop.url)  # built from SHOP_BASE_URL, never the Host header
    shopper = app.test_client()  # the email opened on another device: no cart cookie needed
    page = shopper.get(local(order_link))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    text = page_text(page)
    for words in (f"Order {order.number}", "Paid: we are getting it ready to send", "Order placed",
                  "Paid With Visa ending 4242",
                  "SteadyHand Trainer", "$29.90", "$59.80", "$9.95", "$69.75", "Jenny Rosen", "354 Oyster Point Blvd",
                  "Open the receipt (PDF)", "returns and refunds"):
        assert words in text, words
    receipt = shopper.get(f"/orders/{order.number}/receipt.pdf?token={order_page_token(order.number)}")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    assert receipt.headers["Cache-Control"] == "no-store"


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_refund_is_emailed_and_shown_on_the_page(app, client, standin, live_shop, paid_order):
    standin.refund_from_dashboard(paid_order.stripe_payment_intent_id, amount=1000)
    all_delivered_ok(standin)
    [partial] = queued(to=paid_order.email, subject="A refund for your order")
    assert "$10.00" in partial.text_body and "$69.75" in partial.text_body
    assert any(f"/orders/{paid_order.number}?token=" in url for url in links(partial))
    text = page_text(client.get(page_path(paid_order)))
    assert "Partly refunded" in text and "Refunded $10.00" in text and "Refunded so far: $10.00" in text

    standin.refund_from_dashboard(paid_order.stripe_payment_intent_id)
    all_delivered_ok(standin)
    [full] = queued(to=paid_order.email, subject="refunded in full")
    assert "$59.75" in full.text_body
    assert "Refunded in full" in page_text(client.get(page_path(paid_order)))


def test_a_wrong_missing_or_borrowed_token_is_the_same_404_as_no_order(app, client):
    mine, theirs = make_order(), make_order()
    unknown = client.get("/orders/SH-ZZZZZZZZ?token=" + order_page_token("SH-ZZZZZZZZ"))
    assert unknown.status_code == 404 and NOT_FOUND in page_text(unknown)
    token = order_page_token(mine.number)
    for path in (page_path(theirs, token),                          # another order's token
                 page_path(mine, token[:-3] + "abc"),               # changed
                 page_path(mine, download_token(1, 1, mine.number)),  # a token made for something else
                 f"/orders/{mine.number}", f"/orders/{mine.number}?token=",
                 f"/orders/{mine.number.lower()}?token={token}",
                 f"/orders/{mine.number}?token={'x' * 10_000}"):
        response = client.get(path)
        assert response.status_code == 404 and page_text(response) == page_text(unknown), path
        receipt = client.get(path.replace("?", "/receipt.pdf?", 1) if "?" in path else path + "/receipt.pdf")
        assert receipt.status_code == 404 and page_text(receipt) == page_text(unknown), path
    # A control character is refused before anything is looked up: the same 400 for any order.
    assert client.get(f"/orders/{mine.number}?token=%00%ff").status_code == 400
    assert theirs.number not in page_text(client.get(page_path(mine)))
    assert client.get(page_path(mine)).status_code == 200


def test_the_page_costs_the_same_queries_however_long_the_order(app, client, count_queries):
    def queries_for(order: Order) -> int:
        client.get(page_path(order))
        with count_queries() as queries:
            assert client.get(page_path(order)).status_code == 200
        return len(queries)

    small, big = make_order(lines=1), make_order(lines=25, status=OrderStatus.SHIPPED)
    for i in range(5):
        big.shipments.append(OrderShipment(carrier="usps", tracking_number=f"94001000000000000000{i:02d}",
                                           shipped_by="ann@example.com"))
        db.session.add(OrderRefund(order_id=big.id, stripe_refund_id=f"re_{i}", amount_cents=100, status="succeeded"))
    db.session.commit()
    assert queries_for(small) == queries_for(big)


def test_an_unpaid_order_has_no_receipt(client):
    order = make_order(status=OrderStatus.PENDING, paid_at=None)
    page = page_text(client.get(page_path(order)))
    assert "Waiting for your payment" in page and "Open the receipt" not in page
    response = client.get(f"/orders/{order.number}/receipt.pdf?token={order_page_token(order.number)}")
    assert response.status_code == 404 and "not been paid" in page_text(response)


# ---------------------------------------------------------------- the lookup

def _look_up(client, number: str, email: str):
    return client.post("/orders/lookup", data={"number": number, "email": email})


def test_lookup_with_right_and_wrong_pairs_gives_the_same_page(app, client):
    order = make_order(email="Carer@Example.org")
    other = make_order()
    answers = [
        _look_up(app.test_client(), f" {order.number.lower()[:6]} {order.number.lower()[6:]} ", "carer@example.ORG"),
        _look_up(app.test_client(), order.number, other.email),        # someone else's email
        _look_up(app.test_client(), other.number, order.email),        # someone else's order
        _look_up(app.test_client(), "SH-ZZZZZZZZ", order.email),       # no such order
        _look_up(app.test_client(), "'; DROP TABLE orders; --", order.email),
    ]
    assert {response.status_code for response in answers} == {200}
    assert len({page_text(response) for response in answers}) == 1
    assert "If that order number and email address belong together" in page_text(answers[0])

    [email] = queued()
    assert email.to_address == "Carer@Example.org" and order.number in email.subject
    [link] = [url for url in links(email) if f"/orders/{order.number}?token=" in url]
    assert client.get(local(link)).status_code == 200
    _look_up(app.test_client(), order.number, order.email)
    assert len(queued()) == 1  # at most one an hour: the form cannot flood an inbox


def test_lookup_form_asks_plainly_and_is_rate_limited(client):
    page = client.get("/orders/lookup")
    assert page.status_code == 200 and "Your order number" in page_text(page)
    empty = client.post("/orders/lookup", data={"number": "", "email": "nope"})
    assert empty.status_code == 400
    assert "Please type your order number" in page_text(empty) and "does not look like an email" in page_text(empty)
    statuses = [_look_up(client, "SH-ZZZZZZZZ", "a@example.com").status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]  # five tries a minute, the empty one above among them


def test_lookup_is_linked_from_every_page_footer(client):
    assert 'href="/orders/lookup"' in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------- the success page

def test_the_success_page_shows_details_only_to_the_browser_that_paid(app, client, standin, trainer):
    order = checkout(client, trainer, 2)
    standin.pay(order.stripe_session_id)
    path = f"/checkout/success?session_id={order.stripe_session_id}"
    mine = client.get(path)
    assert mine.headers["Cache-Control"] == "no-store"
    assert "354 Oyster Point Blvd" in page_text(mine) and "See your order page" in page_text(mine)

    stranger = app.test_client().get(path)  # the address bar's URL, shared or found in a history
    assert stranger.status_code == 200 and stranger.headers["Cache-Control"] == "no-store"
    text = page_text(stranger)
    assert "Your order is confirmed" in text and "emailed the details" in text
    for private in ("354 Oyster Point Blvd", "Jenny Rosen", "jenny.rosen@example.com", "SteadyHand Trainer", "$69.75",
                    "token="):
        assert private not in stranger.get_data(as_text=True), private
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
