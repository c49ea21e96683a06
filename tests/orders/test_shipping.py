"""Shipping: staff send an order in one or more parcels, each with its carrier and tracking;
the shopper is emailed a tracking link per parcel and sees them on the order page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Carrier, Order, OrderShipment, OrderStatus
from shop.orders.tokens import order_page_token
from shop.outbox.services import send_pending
from tests.factories import make_order
from tests.support.html import elements, page_text
from tests.support.mail import links, local, queued

USPS_LINK = "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000001"
UPS_LINK = "https://www.ups.com/track?tracknum=1Z999AA10123456784"


def parcels(*rows: dict[str, str]) -> dict[str, str]:
    """The staff form's fields for these parcels (row 0, 1, 2)."""
    return {f"parcels-{i}-{name}": value for i, row in enumerate(rows) for name, value in row.items()}


def fresh_order(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def order_page(client, order: Order):
    return client.get(f"/orders/{order.number}?token={order_page_token(order.number)}")


def test_two_parcels_at_once_one_email_with_a_tracking_link_each(staff_client, smtp_server):
    order = make_order(status=OrderStatus.PAID)
    response = staff_client.post(f"/admin/orders/{order.number}/ship", data=parcels(
        {"carrier": "usps", "tracking_number": "9400 1000 0000 0000 0000 01"},
        {"carrier": "ups", "tracking_number": "1z999aa10123456784"},
    ))
    assert response.status_code == 303
    order = fresh_order(order)
    assert order.status is OrderStatus.SHIPPED
    assert [(s.carrier, s.tracking_number) for s in order.shipments] == [
        (Carrier.USPS, "9400100000000000000001"), (Carrier.UPS, "1Z999AA10123456784")]

    [email] = queued(to=order.email, subject="is on its way")
    found = links(email)
    assert USPS_LINK in found and UPS_LINK in found
    assert any(local(url) == f"/orders/{order.number}?token={order_page_token(order.number)}" for url in found)
    assert any("/policies/returns" in url for url in found)

    smtp_url, mailbox = smtp_server
    assert send_pending(smtp_url, "shop@example.com") == (1, 0)
    [message] = mailbox.wait_for(1)
    body = message.get_body(("plain",)).get_content()
    assert USPS_LINK in body and UPS_LINK in body and "Tracking number: 1Z999AA10123456784" in body

    page = order_page(staff_client, order)
    text = page_text(page)
    assert "On its way to you" in text and "Sent with USPS" in text and "Sent with UPS" in text
    hrefs = [attrs.get("href") for tag, attrs in elements(page.get_data(as_text=True)) if tag == "a"]
    assert USPS_LINK in hrefs and UPS_LINK in hrefs
    staff_text = page_text(staff_client.get(f"/admin/orders/{order.number}"))
    assert "9400100000000000000001" in staff_text and "Another parcel" in staff_text


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_later_parcel_sends_its_own_email(staff_client):
    order = make_order(status=OrderStatus.PAID)
    staff_client.post(f"/admin/orders/{order.number}/ship",
                      data=parcels({"carrier": "usps", "tracking_number": "9400100000000000000001"}))
    staff_client.post(f"/admin/orders/{order.number}/ship",
                      data=parcels({"carrier": "fedex", "tracking_number": "123456789012"}))
    first, second = queued(to=order.email)
    assert "is on its way" in first.subject and "Another parcel" in second.subject
    assert USPS_LINK not in second.text_body
    assert "https://www.fedex.com/fedextrack/?trknbr=123456789012" in links(second)
    assert fresh_order(order).status is OrderStatus.SHIPPED and len(fresh_order(order).shipments) == 2


def test_another_carrier_with_its_own_page_or_no_tracking_at_all(staff_client):
    order = make_order(status=OrderStatus.PAID)
    response = staff_client.post(f"/admin/orders/{order.number}/ship", data=parcels(
        {"carrier": "other", "carrier_name": "Town Couriers", "tracking_number": "TC-0042",
         "tracking_url": "https://couriers.example/track/TC-0042"},
        {"carrier": "other", "carrier_name": "Hand delivered"},
    ))
    assert response.status_code == 303
    first, second = fresh_order(order).shipments
    assert first.carrier_label == "Town Couriers" and first.tracking_link == "https://couriers.example/track/TC-0042"
    assert second.tracking_number is None and second.tracking_link is None
    [email] = queued(to=order.email)
    assert "https://couriers.example/track/TC-0042" in links(email) and "no tracking page" in email.text_body


BAD_PARCELS = [
    ([{}], "choose the carrier of at least one parcel"),
    ([{"tracking_number": "123456"}], "choose the carrier for this parcel"),
    ([{"carrier": "ups"}], "give the UPS tracking number"),
    ([{"carrier": "usps", "tracking_number": "<script>alert(1)</script>"}], "4 to 40 letters and digits"),
    ([{"carrier": "usps", "tracking_number": "9" * 41}], "4 to 40 letters and digits"),
    ([{"carrier": "other"}], "name the carrier"),
    ([{"carrier": "other", "carrier_name": "X", "tracking_url": "javascript:alert(1)"}], "must start with https://"),
    ([{"carrier": "other", "carrier_name": "X", "tracking_url": "http://plain.example"}], "must start with https://"),
    ([{"carrier": "drone", "tracking_number": "123456"}], "Not a valid choice"),
]


def test_what_staff_type_is_checked_and_nothing_changes(staff_client):
    order = make_order(status=OrderStatus.PAID)
    for rows, words in BAD_PARCELS:  # one login for all: each refusal changes nothing
        response = staff_client.post(f"/admin/orders/{order.number}/ship", data=parcels(*rows))
        assert response.status_code == 400 and words in page_text(response), rows
    order = fresh_order(order)
    assert order.status is OrderStatus.PAID and order.shipments == [] and queued() == []


def test_parcels_can_be_marked_delivered_one_by_one(staff_client):
    order = make_order(status=OrderStatus.PAID)
    staff_client.post(f"/admin/orders/{order.number}/ship", data=parcels(
        {"carrier": "usps", "tracking_number": "9400100000000000000001"},
        {"carrier": "ups", "tracking_number": "1Z999AA10123456784"}))
    first, second = fresh_order(order).shipments
    done = staff_client.post(f"/admin/orders/{order.number}/parcels/{first.id}/delivered")
    assert done.status_code == 303 and "marked delivered" in page_text(staff_client.get(done.headers["Location"]))
    assert "On its way to you" in page_text(order_page(staff_client, order))
    staff_client.post(f"/admin/orders/{order.number}/parcels/{second.id}/delivered")
    again = staff_client.post(f"/admin/orders/{order.number}/parcels/{second.id}/delivered")
    assert "already marked delivered" in page_text(staff_client.get(again.headers["Location"]))
    text = page_text(order_page(staff_client, order))
    assert text.split("Order " + order.number)[2].strip().startswith("Delivered")  # after the title and the h1
    assert text.count("Delivered") >= 3  # the status, and a step in the timeline per parcel
    other = make_order(status=OrderStatus.SHIPPED)
    assert staff_client.post(f"/admin/orders/{other.number}/parcels/{first.id}/delivered").status_code == 404


def test_packing_comes_before_shipping_in_the_timeline(staff_client):
    order = make_order(status=OrderStatus.PAID)
    assert staff_client.post(f"/admin/orders/{order.number}/pack").status_code == 303
    assert fresh_order(order).status is OrderStatus.FULFILLED
    again = staff_client.post(f"/admin/orders/{order.number}/pack")
    assert "already packed" in page_text(staff_client.get(again.headers["Location"]))
    staff_client.post(f"/admin/orders/{order.number}/ship",
                      data=parcels({"carrier": "usps", "tracking_number": "9400100000000000000001"}))
    text = page_text(order_page(staff_client, order))
    assert text.index("Paid") < text.index("Packed") < text.index("Sent with USPS")
    shipped = make_order(status=OrderStatus.SHIPPED)
    assert "already packed" in page_text(staff_client.get(
        staff_client.post(f"/admin/orders/{shipped.number}/pack").headers["Location"]))
    pending = make_order(status=OrderStatus.PENDING)
    assert staff_client.post(f"/admin/orders/{pending.number}/pack").status_code == 409


def test_an_order_of_downloads_only_has_nothing_to_ship(staff_client):
    order = make_order(status=OrderStatus.PAID, needs_shipping=False, shipping_cents=0, total_cents=1500)
    make_order(status=OrderStatus.PAID)
    staff_page = page_text(staff_client.get(f"/admin/orders/{order.number}"))
    assert "Mark shipped" not in staff_page and "Mark packed" not in staff_page and "Download only" in staff_page
    refused = staff_client.post(f"/admin/orders/{order.number}/ship",
                                data=parcels({"carrier": "usps", "tracking_number": "9400100000000000000001"}))
    assert refused.status_code == 409 and "nothing to ship" in page_text(refused)
    assert "Paid orders to ship 1" in page_text(staff_client.get("/admin"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderShipment)) == 0
