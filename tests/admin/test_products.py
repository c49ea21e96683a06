"""Products in the staff area, through HTTP as a browser posts the forms: create with every
price edge case, edit, preview, switch off, delete, and the shop showing each change at once."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from shop.audit.models import AuditEntry
from shop.catalog.models import Product, ProductKind
from shop.extensions import db
from tests.factories import make_order, make_product
from tests.support.db import count, fresh
from tests.support.html import page_text
from tests.support.shopper import add_to_cart

FORM = {"name": "Grip Ball", "slug": "", "sku": "GRIP-1", "kind": "accessory", "summary": "A soft ball to squeeze.",
        "description": "Squeeze it **ten times**.", "price": "12.50", "compare_at_price": "", "stock": "10",
        "active": "y", "position": "3", "submit": "1"}


def _product(slug: str = "grip-ball") -> Product | None:
    fresh()
    return db.session.scalar(sa.select(Product).where(Product.slug == slug))


def _create(client, **changes):
    return client.post("/admin/products/new", data={**FORM, **changes})


def test_create_a_product_with_a_suggested_web_address(staff_client):
    assert staff_client.get("/admin/products/new").status_code == 200
    response = _create(staff_client)
    product = _product()
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/products/{product.id}/edit"
    assert (product.name, product.sku, product.kind, product.price_cents, product.stock, product.active, product.position) \
        == ("Grip Ball", "GRIP-1", ProductKind.ACCESSORY, 1250, 10, True, 3)
    assert product.compare_at_cents is None


@pytest.mark.parametrize("typed, cents", [("299", 29900), ("299.5", 29950), ("299.00", 29900), ("1,299.99", 129999),
                                          ("$15", 1500), ("0.99", 99)])
def test_prices_people_type_are_stored_as_cents(staff_client, typed, cents):
    assert _create(staff_client, price=typed).status_code == 303
    assert _product().price_cents == cents


@pytest.mark.parametrize("typed", ["299.999", "-1", "1e9", "abc", "", "12,50", "١٢٣", "99999999999", "0x10", "NaN",
                                   "1 000", "12.5.0"])
def test_prices_that_are_not_amounts_are_refused_at_the_field(staff_client, typed):
    response = _create(staff_client, price=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # The message sits right after the price field, and what was typed is kept.
    price_part = html[html.index('id="price"'):html.index('for="compare_at_price"')]
    assert "field-error" in price_part
    assert count(Product) == 0


def test_the_old_price_must_be_above_the_price(staff_client):
    response = _create(staff_client, price="20", compare_at_price="15")
    assert response.status_code == 400 and "The old price must be higher than the price." in page_text(response)
    assert _create(staff_client, price="20", compare_at_price="25").status_code == 303
    assert _product().compare_at_cents == 2500


def test_stock_is_a_whole_number_and_only_digital_products_go_uncounted(staff_client):
    for typed in ("-1", "2.5", "ten", "99999999"):
        assert _create(staff_client, stock=typed).status_code == 400, typed
    response = _create(staff_client, stock="")
    assert response.status_code == 400 and "Only digital products are not counted" in page_text(response)
    assert _create(staff_client, kind="digital", stock="").status_code == 303
    assert _product().stock is None


def test_web_address_and_sku_must_be_unique(staff_client):
    make_product(slug="grip-ball", sku="OTHER")
    response = _create(staff_client)
    assert response.status_code == 400 and "already uses the web address" in page_text(response)
    response = _create(staff_client, slug="grip-ball-2", sku="other")
    assert response.status_code == 400 and "already has the SKU" in page_text(response)
    response = _create(staff_client, slug="Not A Slug!")
    assert response.status_code == 400 and "single hyphens" in page_text(response)
    assert count(Product) == 1


def test_control_characters_and_nul_bytes_are_refused_and_nothing_is_stored(staff_client):
    response = _create(staff_client, name="Grip\x00 Ball\x07", summary="Soft\x00 ball")
    assert response.status_code == 400 and "characters we can't accept" in page_text(response)
    assert _product() is None
    # A line break in a one-line field becomes a space (the form's own filter).
    assert _create(staff_client, name="Grip\nBall").status_code == 303
    assert _product().name == "Grip Ball"


def test_markup_in_names_is_shown_as_text(staff_client):
    _create(staff_client, name='<script>alert(1)</script>', slug="grip-ball")
    html = staff_client.get("/products/grip-ball").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_description_preview_renders_sanitised_markdown_and_saves_nothing(staff_client):
    # Before the price is typed: a preview needs only the description.
    response = _create(staff_client, description="Hold **firmly**.\n\n<script>x()</script>[bad](javascript:x)",
                       submit="", preview="1", price="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>firmly</strong>" in html
    assert "<script>x()" not in html and 'href="javascript' not in html
    assert count(Product) == 0


def test_edit_changes_what_the_shop_shows_at_once(staff_client, seeded):
    product = _product("assist-strap")
    for path in ("/", "/products", "/products/assist-strap", "/sitemap.xml"):
        assert staff_client.get(path).status_code == 200
    form = page_text(staff_client.get(f"/admin/products/{product.id}/edit"))
    assert "Assist Strap" in form
    edited = {**FORM, "name": "Assist Strap Plus", "slug": "assist-strap", "sku": product.sku, "price": "49.00",
              "stock": str(product.stock), "stock_was": str(product.stock), "position": str(product.position),
              "summary": "Holds a weak hand to the handle, now wider.", "description": "Zanzibar-wide strap."}
    response = staff_client.post(f"/admin/products/{product.id}/edit", data=edited)
    assert response.status_code == 303
    page = staff_client.get("/products/assist-strap")
    assert "Assist Strap Plus" in page_text(page) and "$49.00" in page_text(page)
    offer = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>',
                                               page.get_data(as_text=True), re.S)][0]
    assert offer["name"] == "Assist Strap Plus" and offer["offers"]["price"] == "49.00"
    assert "Assist Strap Plus" in page_text(staff_client.get("/products"))
    assert "Assist Strap Plus" in page_text(staff_client.get("/search?q=zanzibar"))


def test_switching_off_hides_the_product_and_carts_that_hold_it_say_so(staff_client, client):
    product = make_product(name="Grip Ball", slug="grip-ball")
    add_to_cart(staff_client, product, 1)
    response = staff_client.post(f"/admin/products/{product.id}/deactivate")
    assert response.status_code == 303
    assert staff_client.get("/products/grip-ball").status_code == 404
    assert "Grip Ball" not in page_text(staff_client.get("/products"))
    assert "The Grip Ball is no longer sold. Please remove it to check out." in page_text(staff_client.get("/cart"))
    assert _product().active is False
    assert staff_client.post(f"/admin/products/{product.id}/activate").status_code == 303
    assert staff_client.get("/products/grip-ball").status_code == 200


def test_a_product_never_ordered_can_be_deleted_one_that_was_ordered_cannot(staff_client):
    never = make_product(name="Never Sold", slug="never-sold")
    ordered = make_product(name="Sold Once", slug="sold-once")
    response = staff_client.post(f"/admin/products/{never.id}/delete")
    assert response.status_code == 303 and _product("never-sold") is None
    order = make_order()
    db.session.execute(sa.update(type(order.lines[0])).values(product_id=ordered.id))
    db.session.commit()
    response = staff_client.post(f"/admin/products/{ordered.id}/delete")
    assert response.status_code == 409 and "Switch it off instead" in page_text(response)
    assert _product("sold-once") is not None
    assert count(AuditEntry, AuditEntry.action == "product.deleted") == 1  # the refused one left no row


def test_the_list_searches_filters_and_marks_low_stock(staff_client):
    make_product(name="Grip Ball", sku="GRIP-1", stock=3)
    make_product(name="Hand Trainer", sku="TRAIN-1", stock=40)
    make_product(name="Old Strap", sku="STRAP-1", stock=9, active=False)
    text = page_text(staff_client.get("/admin/products"))
    assert "Grip Ball" in text and "3 (low)" in text and "40 (low)" not in text and "Old Strap" in text
    assert "Hand Trainer" not in page_text(staff_client.get("/admin/products?q=grip"))
    found = page_text(staff_client.get("/admin/products?q=TRAIN"))
    assert "Hand Trainer" in found and "Grip Ball" not in found
    inactive = page_text(staff_client.get("/admin/products?state=inactive"))
    assert "Old Strap" in inactive and "Grip Ball" not in inactive
    assert "No products match" in page_text(staff_client.get("/admin/products?q=%25_%25"))
    assert staff_client.get("/admin/products?state=bogus").status_code == 404
    assert staff_client.get("/admin/products?page=99").status_code == 404


def test_unknown_products_are_a_clear_404(staff_client):
    for path in ("/admin/products/987654/edit",):
        response = staff_client.get(path)
        assert response.status_code == 404 and "can't find that product" in page_text(response)
    assert staff_client.post("/admin/products/987654/edit", data=FORM).status_code == 404
    assert staff_client.post("/admin/products/987654/deactivate").status_code == 404
