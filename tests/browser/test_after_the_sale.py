"""After paying, in a real browser: the guide bought, its link opened from the email on
another device, the file downloaded; and the pages a shopper opens after the sale."""
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shop.extensions import db
from shop.orders.models import Order, OrderShipment, OrderStatus
from shop.orders.tokens import order_page_token
from tests.factories import make_order
from tests.support.axe import serious_violations
from tests.support.mail import links, queued

pytestmark = pytest.mark.browser


def test_buy_the_guide_open_the_emails_link_and_download_it(seeded, page, browser, standin, live_shop, app):
    page.goto(f"{live_shop.url}/products/carers-guide")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{live_shop.url}/cart")
    expect(page.locator("main")).to_contain_text("terms of sale")
    page.get_by_role("button", name="Checkout").click()

    expect(page).to_have_url(re.compile(re.escape(standin.base_url)))
    expect(page.get_by_role("link", name="terms of sale")).to_have_attribute("href", f"{live_shop.url}/policies/terms")
    expect(page.get_by_text("Shipping address")).to_have_count(0)  # a download asks for no address
    page.get_by_label(re.compile("4242")).check()
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(re.compile(r"/checkout/success\?session_id=cs_"))
    expect(page.get_by_role("heading", level=2, name="Your download")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Go to the download"))).to_be_visible()

    standin.wait_for_deliveries()
    db.session.rollback()
    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PAID and order.shipping_cents == 0
    [email] = queued(to=order.email, subject="is confirmed")
    [link] = links(email, containing="/downloads/")

    phone = browser.new_context(viewport={"width": 390, "height": 800}, accept_downloads=True)
    try:
        other = phone.new_page()
        other.goto(link)  # the email opened on another device: no cookies from the purchase
        expect(other.get_by_role("heading", level=1)).to_have_text("A Carer's Guide to Home Practice (PDF)")
        expect(other.locator("main")).to_contain_text("5 downloads left")
        assert serious_violations(other) == []
        with other.expect_download() as info:
            other.get_by_role("button", name="Download the file").click()
        download = info.value
        assert download.suggested_filename == "carers-guide.pdf"
        saved = Path(download.path()).read_bytes()
        assert saved == (Path(app.config["DOWNLOADS_DIR"]) / "carers-guide.pdf").read_bytes()
        assert saved.startswith(b"%PDF")
        other.goto(link)
        expect(other.locator("main")).to_contain_text("4 downloads left")
    finally:
        phone.close()


def test_the_order_page_and_lookup_read_well(seeded, page, live_shop):
    order = make_order(status=OrderStatus.SHIPPED)
    db.session.add(OrderShipment(order_id=order.id, carrier="usps", tracking_number="9400100000000000000001",
                                 shipped_by="ann@example.com"))
    db.session.commit()
    page.goto(f"{live_shop.url}/orders/{order.number}?token={order_page_token(order.number)}")
    expect(page.locator(".order-status")).to_have_text("On its way to you")
    expect(page.get_by_role("link", name=re.compile("Track this parcel"))).to_have_attribute(
        "href", "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000001")
    assert serious_violations(page) == []

    page.goto(f"{live_shop.url}/orders/lookup")
    page.get_by_label(re.compile("Your order number")).fill(order.number)
    page.get_by_label("The email address you gave when you paid").fill(order.email)
    page.get_by_role("button", name="Email me the link to my order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please check your email")
    db.session.rollback()
    assert len(queued(to=order.email, subject="The link to your order")) == 1
