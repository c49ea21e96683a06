"""Stock adjustments with a reason, recorded as movements; never below what is left to
sell, decided by the database - also when a checkout races the adjustment on PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.audit.models import AuditEntry
from shop.catalog.models import StockMovement, StockReason
from shop.extensions import db
from tests.factories import make_product
from tests.support.db import count, fresh, stock_of
from tests.support.html import page_text
from tests.support.shopper import checkout


def _movements(product) -> list[tuple[int, int, StockReason, str]]:
    fresh()
    return [(m.change, m.stock_after, m.reason, m.note) for m in db.session.scalars(
        sa.select(StockMovement).where(StockMovement.product_id == product.id).order_by(StockMovement.id))]


def test_received_damaged_and_counted_stock_are_movements_with_reasons(staff_client):
    product = make_product(name="Grip Ball", slug="grip-ball", stock=5)
    for change, reason, note in (("12", "received", "Delivery 4411"), ("-2", "damaged", "Torn"),
                                 ("+1", "count_correction", "")):
        response = staff_client.post(f"/admin/products/{product.id}/stock",
                                     data={"change": change, "reason": reason, "note": note})
        assert response.status_code == 303, page_text(response)
    assert stock_of(product) == 16
    assert _movements(product) == [(12, 17, StockReason.RECEIVED, "Delivery 4411"), (-2, 15, StockReason.DAMAGED, "Torn"),
                                   (1, 16, StockReason.COUNT_CORRECTION, "")]
    page = page_text(staff_client.get(f"/admin/products/{product.id}/edit"))
    assert "Left to sell now: 16" in page and "Delivery 4411" in page
    assert "Only 5 left" not in page_text(staff_client.get("/products/grip-ball"))  # the shop shows it at once
    assert count(AuditEntry, AuditEntry.action == "stock.adjusted") == 3


@pytest.mark.parametrize("change, reason, words", [
    ("-2", "received", "Received stock adds units"), ("3", "damaged", "damaged stock takes them away"),
    ("0", "count_correction", "not 0"), ("ten", "received", "whole number"), ("1.5", "received", "whole number"),
    ("9999999", "received", "whole number"), ("1", "stolen", "Not a valid choice"),
])
def test_nonsense_adjustments_are_refused_and_change_nothing(staff_client, change, reason, words):
    product = make_product(stock=5)
    response = staff_client.post(f"/admin/products/{product.id}/stock", data={"change": change, "reason": reason})
    assert response.status_code == 400 and words in page_text(response)
    assert stock_of(product) == 5 and _movements(product) == [] and count(AuditEntry) == 0


def test_stock_cannot_go_below_what_is_left_after_unpaid_checkouts(staff_client, standin):
    product = make_product(name="Trainer", stock=5, price_cents=2990)
    checkout(staff_client, product, 3)  # an unpaid checkout holds 3: 2 left to sell
    response = staff_client.post(f"/admin/products/{product.id}/stock", data={"change": "-3", "reason": "damaged"})
    assert response.status_code == 409
    assert "Only 2 of the Trainer are left to sell" in page_text(response)
    assert stock_of(product) == 2 and _movements(product) == []
    ok = staff_client.post(f"/admin/products/{product.id}/stock", data={"change": "-2", "reason": "damaged"})
    assert ok.status_code == 303 and stock_of(product) == 0


def test_uncounted_stock_cannot_be_adjusted(staff_client):
    product = make_product(stock=None)
    response = staff_client.post(f"/admin/products/{product.id}/stock", data={"change": "5", "reason": "received"})
    assert response.status_code == 409 and "not counted" in page_text(response)


def test_the_edit_form_applies_the_difference_it_made_not_an_overwrite(staff_client, standin):
    product = make_product(name="Trainer", slug="trainer", sku="T-1", stock=10, price_cents=2990, position=1)
    form = {"name": "Trainer", "slug": "trainer", "sku": "T-1", "kind": "accessory", "price": "29.90",
            "stock": "15", "stock_was": "10", "position": "1", "active": "y", "submit": "1"}
    checkout(staff_client, product, 4)  # while the form was open, a checkout took 4: 6 left
    assert staff_client.post(f"/admin/products/{product.id}/edit", data=form).status_code == 303
    assert stock_of(product) == 11  # 6 + the 5 staff added, not 15
    assert _movements(product) == [(5, 11, StockReason.COUNT_CORRECTION, "Changed on the product form")]
    # Taking it below zero from the form is refused like an adjustment.
    response = staff_client.post(f"/admin/products/{product.id}/edit", data={**form, "stock": "0", "stock_was": "20"})
    assert response.status_code == 409 and stock_of(product) == 11
