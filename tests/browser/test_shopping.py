"""A shopper in a real browser: keyboard and mouse, small and large screens."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.outbox.models import OutboxEmail

pytestmark = pytest.mark.browser


def test_buy_the_device_end_to_end_in_a_browser(seeded, page, standin, live_shop):
    page.goto(f"{live_shop.url}/")
    page.get_by_role("link", name=re.compile("See the SteadyHand Trainer")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SteadyHand Trainer")
    page.get_by_label("How many").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page).to_have_url(f"{live_shop.url}/cart")
    expect(page.locator(".mini-cart")).to_contain_text("Cart: 2 items, $598.00")
    page.get_by_role("button", name="Checkout").click()

    # The stand-in's hosted payment page, as Stripe Checkout would be.
    expect(page).to_have_url(re.compile(re.escape(standin.base_url)))
    page.get_by_label(re.compile("4242")).check()
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(re.compile(r"/checkout/success\?session_id=cs_"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your order is confirmed")
    expect(page.locator("body")).to_contain_text("$598.00")
    expect(page.locator(".mini-cart")).to_contain_text("No products in the cart.")

    standin.wait_for_deliveries()
    db.session.rollback()
    order = db.session.scalar(sa.select(Order))
    assert order.status is OrderStatus.PAID
    assert db.session.scalar(sa.select(Product.stock).where(Product.slug == "steadyhand-trainer")) == 23


def test_keyboard_only_shopper_can_add_to_cart(seeded, page, live_shop):
    page.goto(f"{live_shop.url}/products/assist-strap")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    focused = []
    for _ in range(15):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.textContent || document.activeElement.name"))
        if page.evaluate("document.activeElement.textContent") == "Add to cart":
            break
    assert "Add to cart" in focused, focused
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_shop.url}/cart")
    expect(page.locator(".mini-cart")).to_contain_text("Cart: 1 item")


@pytest.mark.parametrize("width", [360, 1280])
def test_large_text_big_targets_and_no_sideways_scrolling(seeded, browser, live_shop, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for path in ("/", "/products", "/products/steadyhand-trainer", "/cart"):
        page.goto(f"{live_shop.url}{path}")
        body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert body_px >= 18, (path, body_px)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        small = page.evaluate(
            """() => [...document.querySelectorAll('header a, main button, main .button, input[type=number]')]
                 .filter(el => el.offsetParent !== null)
                 .map(el => [el.textContent.trim() || el.name, el.getBoundingClientRect()])
                 .filter(([, r]) => r.width < 44 || r.height < 44)
                 .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
        )
        assert small == [], f"{path}: targets under 44x44 px: {small}"
    context.close()


def test_from_an_article_to_the_cart_and_to_the_ebook_signup(seeded, page, live_shop):
    page.goto(f"{live_shop.url}/articles")
    page.get_by_role("link", name="Does magnesium oil help stroke recovery?").first.click()
    expect(page.locator("body")).to_contain_text("not medical advice")
    page.get_by_role("button", name=re.compile("Add to cart")).first.click()
    expect(page.locator(".mini-cart")).to_contain_text("Cart: 1 item")

    page.goto(f"{live_shop.url}/")
    page.get_by_label("Your email address").fill("carer@example.org")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Send me the free ebook").click()
    expect(page.locator("main")).to_contain_text("Please check your email")
    db.session.rollback()
    queued = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == "carer@example.org"))
    assert queued is not None and "List-Unsubscribe" in queued.headers
