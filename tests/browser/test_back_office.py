"""Staff in a real browser: an editor adds a product with a photo, and a shopper buys it."""
import re

import pytest
from playwright.sync_api import expect

from shop.accounts.models import StaffRole
from tests.factories import STAFF_EMAIL, make_staff
from tests.support.axe import serious_violations
from tests.support.images import photo_bytes
from tests.support.shopper import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def test_log_in_add_a_product_with_a_photo_see_it_in_the_shop_and_buy_it(seeded, page, live_shop):
    make_staff(role=StaffRole.EDITOR)
    page.goto(f"{live_shop.url}/admin")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Products").click()
    page.get_by_role("link", name="Add a product").click()
    page.get_by_label("Name", exact=True).fill("Soft Grip Ball")
    page.get_by_label("SKU").fill("GRIP-BALL-1")
    page.get_by_label("Kind").select_option("accessory")
    page.get_by_label(re.compile("^Summary")).fill("A soft ball to squeeze, for a weak hand.")
    page.get_by_label(re.compile("^Description")).fill("Squeeze it **ten times** a day.")
    page.get_by_role("button", name="Preview the description").click()
    expect(page.locator(".staff-preview strong")).to_have_text("ten times")
    page.get_by_label(re.compile("^Price")).fill("12.5")
    page.get_by_label(re.compile("^Stock left to sell")).fill("8")
    page.get_by_label(re.compile("^On sale")).check()
    page.get_by_role("button", name="Save product").click()
    expect(page.locator(".flashes")).to_contain_text("The Soft Grip Ball is saved")

    page.get_by_label(re.compile(r"^Photo \(a JPEG")).set_input_files(
        {"name": "ball.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1600, 1200)})
    page.get_by_label("Describe the photo for people who cannot see it").fill("A blue ball held in an open hand")
    page.get_by_role("button", name="Add the photo").click()
    expect(page.locator(".flashes")).to_contain_text("The photo is added")

    page.goto(f"{live_shop.url}/products")
    card = page.locator(".product-card", has_text="Soft Grip Ball")
    image = card.get_by_role("img", name="A blue ball held in an open hand")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")  # the variant really loads
    assert image.evaluate("img => img.currentSrc").endswith((".webp", ".jpg"))
    card.get_by_role("link", name="Soft Grip Ball").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Soft Grip Ball")
    expect(page.locator(".buy-box")).to_contain_text("$12.50")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{live_shop.url}/cart")
    expect(page.locator(".mini-cart")).to_contain_text("Cart: 1 item, $12.50")


def test_an_editor_writes_an_article_with_a_product_card_and_a_shopper_buys_from_it(seeded, page, browser, live_shop):
    make_staff(role=StaffRole.EDITOR)
    page.goto(f"{live_shop.url}/login")
    page.get_by_label("Email").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_shop.url}/admin/articles")
    page.get_by_role("link", name="Write an article").click()
    page.get_by_label("Title", exact=True).first.fill("Five minutes with the resistance bands")
    page.get_by_label(re.compile("^Summary")).fill("A short daily routine with the bands, sitting down.")
    page.get_by_label("The article, in Markdown").fill(
        "Sit tall and breathe out as you pull.[[ref:1]]\n\n[[product:resistance-band-set]]\n\nRest for a minute.")
    page.get_by_role("group", name="Reference 1").get_by_label("Title").fill("Guidelines for adult stroke rehabilitation")
    page.get_by_role("group", name="Reference 1").get_by_label("Year").fill("2016")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".staff-preview")).to_contain_text("Resistance Band Set")
    page.get_by_role("button", name="Save the article").click()
    expect(page.locator(".flashes")).to_contain_text("is saved as a draft")
    assert serious_violations(page) == []

    page.get_by_role("button", name="Publish").click()  # "Now" is chosen; the missing review is a warning
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publish “Five minutes with the resistance bands”?")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Publish anyway").click()
    expect(page.locator(".flashes")).to_contain_text("is on the site")

    shopper = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    shopper.goto(f"{live_shop.url}/articles")
    shopper.get_by_role("link", name="Five minutes with the resistance bands").click()
    expect(shopper.get_by_role("heading", level=1)).to_have_text("Five minutes with the resistance bands")
    shopper.get_by_role("button", name=re.compile(r"Add to cart\W*Resistance Band Set")).click()
    expect(shopper.locator(".mini-cart")).to_contain_text("1 item")
    shopper.context.close()
