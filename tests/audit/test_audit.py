"""The audit log: a row for every staff change, written in the change's own transaction
(so a refused or failed change leaves none), and the owner's page with its filters."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import StaffRole
from shop.audit.models import AuditEntry
from shop.audit.services import Actor, record_change
from shop.database import write_transaction
from shop.extensions import db
from shop.orders.models import OrderStatus
from tests.factories import STAFF_EMAIL, make_order, make_product, make_staff, make_submitted_story
from tests.support.db import fresh
from tests.support.html import page_text
from tests.support.shopper import log_in


def _entries() -> list[AuditEntry]:
    fresh()
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def test_the_row_commits_with_the_change_or_not_at_all(app):
    actor = Actor(7, "ann@example.com")
    with pytest.raises(RuntimeError):
        with write_transaction():
            record_change(actor, "product.updated", "product", 1, changes={"price_cents": (100, 200)})
            raise RuntimeError("the change failed")
    assert _entries() == []
    with write_transaction():
        record_change(actor, "product.updated", "product", 1, label="Ball", changes={"price_cents": (100, 200)})
    [entry] = _entries()
    assert (entry.actor_id, entry.actor_email, entry.action, entry.object_type, entry.object_id, entry.object_label) \
        == (7, "ann@example.com", "product.updated", "product", "1", "Ball")
    assert entry.changes == {"price_cents": [100, 200]}


def test_a_price_change_writes_who_and_before_and_after(staff_client, staff):
    product = make_product(name="Ball", slug="ball", sku="B-1", price_cents=1500, stock=4, position=1)
    form = {"name": "Ball", "slug": "ball", "sku": "B-1", "kind": "accessory", "price": "17.00", "stock": "4",
            "stock_was": "4", "position": "1", "active": "y", "summary": product.summary,
            "description": product.description, "submit": "1"}
    assert staff_client.post(f"/admin/products/{product.id}/edit", data=form).status_code == 303
    [entry] = _entries()
    assert (entry.actor_id, entry.actor_email, entry.action) == (staff.id, STAFF_EMAIL, "product.updated")
    assert entry.changes == {"price_cents": [1500, 1700]}
    # Saving the same form again changes nothing, and writes nothing.
    staff_client.post(f"/admin/products/{product.id}/edit", data=form)
    assert len(_entries()) == 1


def test_a_refused_change_writes_no_row(staff_client):
    product = make_product(stock=2)
    staff_client.post(f"/admin/products/{product.id}/stock", data={"change": "-5", "reason": "damaged"})
    staff_client.post("/admin/products/new", data={"name": "X", "sku": "S", "kind": "accessory", "price": "abc", "stock": "1"})
    assert _entries() == []


def test_existing_staff_actions_write_rows(staff_client):
    order = make_order(status=OrderStatus.PAID, needs_review=True, review_reason="Amounts disagree")
    story = make_submitted_story("Maria")
    other = make_submitted_story("Jo")
    story_id, other_id = story.id, other.id
    staff_client.post(f"/admin/orders/{order.number}/review", data={"note": "Checked with Stripe"})
    staff_client.post(f"/admin/orders/{order.number}/ship",
                      data={"parcels-0-carrier": "usps", "parcels-0-tracking_number": "9400 1000 0000"})
    staff_client.post(f"/admin/stories/{story_id}/publish")
    staff_client.post(f"/admin/stories/{other_id}/reject")
    assert [(e.action, e.object_id) for e in _entries()] == [
        ("order.reviewed", order.number), ("order.shipped", order.number),
        ("story.published", str(story_id)), ("story.rejected", str(other_id)),
    ]
    shipped = _entries()[1]
    assert shipped.changes == {"status": ["paid", "shipped"], "parcels": [None, "USPS 940010000000"]}
    assert "Jo" not in str(_entries()[3].changes) + _entries()[3].object_label  # a rejected writer is forgotten


def test_the_owner_reads_and_filters_the_log(app, client):
    make_staff()
    make_staff("bo@example.com", role=StaffRole.EDITOR)
    with write_transaction():
        record_change(Actor(1, "ann@example.com"), "product.updated", "product", 5, label="Ball",
                      changes={"price_cents": (100, 200)})
        record_change(Actor(2, "bo@example.com"), "story.published", "story", 9, label="Rosa's story",
                      changes={"published": (False, True)})
    log_in(client, STAFF_EMAIL)
    text = page_text(client.get("/admin/audit"))
    assert "price_cents : 100 → 200" in text and "published : no → yes" in text
    by_bo = page_text(client.get("/admin/audit?person=bo@example.com"))
    assert "Rosa's story" in by_bo and "Ball" not in by_bo
    products = page_text(client.get("/admin/audit?object_type=product&object_id=5"))
    assert "Ball" in products and "Rosa" not in products
    assert "No changes match" in page_text(client.get("/admin/audit?object_type=product&object_id=6"))
    assert client.get("/admin/audit?person=nobody@example.com").status_code == 404
    assert client.get("/admin/audit?page=50").status_code == 404


@pytest.mark.parametrize("role", [StaffRole.EDITOR, StaffRole.FULFILMENT])
def test_only_the_owner_reads_the_log(app, client, role):
    make_staff(role=role)
    log_in(client, STAFF_EMAIL)
    assert client.get("/admin/audit").status_code == 403
