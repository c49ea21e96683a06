"""Only logged-in, active staff reach /admin; every action needs the CSRF token."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import url_for
from werkzeug.routing import IntegerConverter

from shop.accounts.models import StaffRole, StaffUser
from shop.admin.access import allowed_roles
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.policies.models import PolicyPage
from shop.testimonials import models as story_models
from tests.factories import STAFF_EMAIL, make_order, make_staff, make_submitted_story
from tests.support.html import page_text
from tests.support.shopper import log_in

PAGES = ["/admin", "/admin/orders", "/admin/orders?status=paid", "/admin/orders/SH-NOSUCH", "/admin/stories",
         "/admin/orders?status=disputed", "/admin/orders/SH-NOSUCH/receipt.pdf", "/admin/policies",
         "/admin/policies/terms"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in_and_come_back(app, client, path):
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    staff = make_staff()
    back = client.post(response.headers["Location"], data={"email": staff.email, "password": "a long staff password"})
    assert back.status_code == 303 and back.headers["Location"] == path


def test_anonymous_button_press_changes_nothing_and_asks_to_log_in(app, client):
    order = make_order(status=OrderStatus.PAID)
    response = client.post(f"/admin/orders/{order.number}/ship")
    assert response.status_code == 303 and response.headers["Location"] == "/login?next=/admin"
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.PAID


def test_switched_off_staff_are_refused(app, client):
    staff = make_staff()
    log_in(client, STAFF_EMAIL)
    assert client.get("/admin").status_code == 200
    db.session.execute(sa.update(StaffUser).where(StaffUser.id == staff.id).values(active=False))
    db.session.commit()
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "switched off" in page_text(response)
    assert 'href="/admin"' not in client.get("/").get_data(as_text=True)


def test_switched_off_staff_cannot_log_in(app, client):
    make_staff(active=False)
    response = client.post("/login?next=/admin", data={"email": "ann@example.com", "password": "a long staff password"})
    assert response.status_code == 200
    assert client.get("/admin").status_code == 303


def test_staff_link_and_log_out_button_only_for_staff(app, client):
    home = client.get("/")
    assert 'href="/admin"' not in home.get_data(as_text=True) and "Log out" not in page_text(home)
    make_staff()
    log_in(client, STAFF_EMAIL)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/admin"' in home and 'action="/logout"' in home and "Log out" in home
    response = client.post("/logout")
    assert response.status_code == 303
    assert client.get("/admin").status_code == 303
    assert 'href="/admin"' not in client.get("/").get_data(as_text=True)


def test_staff_pages_are_not_cached_or_indexed(staff_client):
    response = staff_client.get("/admin")
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in response.get_data(as_text=True)


def _actions() -> list[tuple[str, dict]]:
    order = make_order(status=OrderStatus.PAID, needs_review=True, review_reason="Amounts disagree")
    story = make_submitted_story()
    db.session.add(PolicyPage(slug="terms", title="Terms", body="Words", body_html="<p>Words</p>"))
    db.session.commit()
    return [
        (f"/admin/orders/{order.number}/ship", {"parcels-0-carrier": "usps", "parcels-0-tracking_number": "94001"}),
        (f"/admin/orders/{order.number}/pack", {}),
        ("/admin/policies/terms", {"title": "Changed", "body": "Changed"}),
        (f"/admin/orders/{order.number}/refund", {"scope": "full", "attempt": "x" * 20}),
        (f"/admin/orders/{order.number}/review", {"note": "Checked with Stripe"}),
        (f"/admin/stories/{story.id}/publish", {}),
        (f"/admin/stories/{story.id}/reject", {}),
    ]


def _snapshot():
    db.session.expire_all()
    order = db.session.scalar(sa.select(Order))
    story = db.session.scalar(sa.select(story_models.Testimonial))
    events = db.session.scalar(sa.select(sa.func.count()).select_from(OrderEvent))
    terms = db.session.scalar(sa.select(PolicyPage.title))
    return order.status, order.needs_review, events, story is not None and story.published, terms


def test_every_action_needs_the_csrf_token(staff_client):
    actions = _actions()
    before = _snapshot()
    for path, data in actions:
        response = staff_client.post(path, data=data, csrf=False)
        assert response.status_code == 400, path
        assert "could not be checked" in page_text(response)
        response = staff_client.post(path, data={**data, "csrf_token": "forged"}, csrf=False)
        assert response.status_code == 400, path
    assert _snapshot() == before


# ---------------------------------------------------------------- roles, for every /admin route

def _admin_routes(app) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) for every route under /admin, with made-up path values."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values = {name: 987654 if isinstance(converter, IntegerConverter) else "SH-NOSUCH"
                  for name, converter in rule._converters.items()}
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url, rule.endpoint))
    return routes


def test_every_admin_route_declares_its_roles(app):
    with app.test_request_context():
        undeclared = [endpoint for _, _, endpoint in _admin_routes(app) if not allowed_roles(endpoint)]
    assert undeclared == []


def test_every_admin_route_sends_anonymous_visitors_to_log_in(app, client):
    for method, url, _ in _admin_routes(app):
        response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
        assert response.status_code == 303, (method, url)
        assert response.headers["Location"].startswith("/login?next="), (method, url)


@pytest.mark.parametrize("role", list(StaffRole))
def test_every_admin_route_refuses_the_roles_it_does_not_name(app, client, role):
    make_staff(role=role)
    log_in(client, STAFF_EMAIL)
    with app.test_request_context():
        routes = [(method, url, role in allowed_roles(endpoint)) for method, url, endpoint in _admin_routes(app)]
    for method, url, allowed in routes:
        response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
        if allowed:
            assert response.status_code != 403, (role, method, url)
        else:
            assert response.status_code == 403, (role, method, url)
            assert "other staff roles" in page_text(response)


ROLE_TABLE = {
    # area: roles that may use it
    "admin.dashboard": {StaffRole.OWNER, StaffRole.EDITOR, StaffRole.FULFILMENT},
    "admin.order_list": {StaffRole.OWNER, StaffRole.FULFILMENT},
    "admin.order_detail": {StaffRole.OWNER, StaffRole.FULFILMENT},
    "admin.ship": {StaffRole.OWNER, StaffRole.FULFILMENT},
    "admin.pack": {StaffRole.OWNER, StaffRole.FULFILMENT},
    "admin.parcel_delivered": {StaffRole.OWNER, StaffRole.FULFILMENT},
    "admin.order_receipt": {StaffRole.OWNER, StaffRole.FULFILMENT},
    "admin.review": {StaffRole.OWNER, StaffRole.FULFILMENT},
    "admin.refund": {StaffRole.OWNER},
    "admin.order_export": {StaffRole.OWNER, StaffRole.FULFILMENT},
    "admin.story_queue": {StaffRole.OWNER, StaffRole.EDITOR},
    "admin.publish_story": {StaffRole.OWNER, StaffRole.EDITOR},
    "admin.reject_story": {StaffRole.OWNER, StaffRole.EDITOR},
    "admin.sales_csv": {StaffRole.OWNER},
    "admin.subscriber_list": {StaffRole.OWNER},
    "admin.subscribers_csv": {StaffRole.OWNER},
    "admin.erase_subscriber_page": {StaffRole.OWNER},
    "admin.erase_subscriber": {StaffRole.OWNER},
    # Products
    **{endpoint: {StaffRole.OWNER, StaffRole.EDITOR} for endpoint in (
        "admin.product_list", "admin.new_product", "admin.edit_product", "admin.adjust_stock", "admin.add_photo",
        "admin.change_photo_alt", "admin.move_photo_earlier", "admin.move_photo_later", "admin.delete_photo",
        "admin.deactivate_product", "admin.activate_product", "admin.delete_product")},
    # Stories staff write
    **{endpoint: {StaffRole.OWNER, StaffRole.EDITOR} for endpoint in (
        "admin.story_list", "admin.new_story", "admin.edit_story", "admin.put_story_on_site",
        "admin.take_story_off_site", "admin.feature_story", "admin.unfeature_story")},
    # Staff accounts and the audit log: the owner's alone
    **{endpoint: {StaffRole.OWNER} for endpoint in (
        "admin.staff_list", "admin.new_staff", "admin.change_staff_role", "admin.deactivate_staff",
        "admin.activate_staff", "admin.audit_log")},
    # Everyone's own password
    "admin.change_password": {StaffRole.OWNER, StaffRole.EDITOR, StaffRole.FULFILMENT},
    "admin.policy_list": {StaffRole.OWNER, StaffRole.EDITOR},
    # Articles, their authors and topics
    **{endpoint: {StaffRole.OWNER, StaffRole.EDITOR} for endpoint in (
        "admin.article_list", "admin.new_article", "admin.edit_article", "admin.publish_article",
        "admin.unpublish_article", "admin.delete_article", "admin.remove_article_photo", "admin.author_list",
        "admin.new_author", "admin.edit_author", "admin.delete_author", "admin.category_list", "admin.new_category",
        "admin.edit_category", "admin.delete_category")},
    "admin.policy_edit": {StaffRole.OWNER, StaffRole.EDITOR},
}


def test_the_roles_are_the_ones_the_shop_agreed(app):
    with app.test_request_context():
        declared = {endpoint: set(allowed_roles(endpoint)) for _, _, endpoint in _admin_routes(app)}
    assert set(declared) == set(ROLE_TABLE), "add every staff endpoint to ROLE_TABLE, and only those"
    for endpoint, roles in ROLE_TABLE.items():
        assert declared[endpoint] == roles, endpoint
    assert all(StaffRole.OWNER in roles for roles in declared.values()), "the owner may do everything"


@pytest.mark.parametrize("role, sees, does_not_see", [
    (StaffRole.EDITOR, ["Stories to review", "Products", "Your password", "Policy pages"],
     ["Orders", "Staff accounts", "Audit log", "Disputes to answer"]),
    (StaffRole.FULFILMENT, ["Orders", "Paid orders to ship", "Your password", "Disputes to answer"],
     ["Stories to review", "Stories waiting", "Staff accounts", "Audit log", "Policy pages"]),
    (StaffRole.OWNER, ["Orders", "Products", "Stories", "Staff accounts", "Audit log", "Policy pages"], []),
])
def test_the_menu_and_home_page_show_only_what_the_role_may_open(app, client, role, sees, does_not_see):
    make_staff(role=role)
    log_in(client, STAFF_EMAIL)
    text = page_text(client.get("/admin"))
    for words in sees:
        assert words in text
    for words in does_not_see:
        assert words not in text
