"""axe in Chromium on the pages shoppers and staff use: nothing serious or critical."""
import pytest

from shop.extensions import db
from shop.newsletter.models import Subscriber
from tests.factories import STAFF_EMAIL, make_order, make_staff, make_submitted_story, make_testimonial
from tests.support.axe import serious_violations
from tests.support.shopper import STAFF_PASSWORD

pytestmark = pytest.mark.browser

PUBLIC = ["/", "/products", "/products/steadyhand-trainer", "/articles", "/articles/does-magnesium-oil-help-stroke-recovery",
          "/testimonials", "/testimonials/submit", "/testimonials/maria-hand-movement-five-years-on", "/search?q=magnesium", "/newsletter", "/cart", "/login",
          "/products/no-such-thing", "/orders/lookup", "/policies/returns", "/policies/accessibility"]


def test_public_pages_have_no_serious_accessibility_problems(seeded, page, live_shop):
    found = {}
    for path in PUBLIC:
        page.goto(f"{live_shop.url}{path}")
        if problems := serious_violations(page):
            found[path] = problems
    assert found == {}


def test_staff_pages_have_no_serious_accessibility_problems(seeded, page, live_shop):
    make_staff()
    order = make_order()
    make_submitted_story()
    story = make_testimonial()
    db.session.add(Subscriber(email="reader@example.com", source="home", consent_text_version="2026-01"))
    db.session.commit()
    page.goto(f"{live_shop.url}/login")
    page.get_by_label("Email").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    found = {}
    pages = ["/admin", "/admin/orders", f"/admin/orders/{order.number}", "/admin/stories", "/admin/products",
             "/admin/products?q=strap", "/admin/products/new", "/admin/products/1/edit", "/admin/stories/all",
             "/admin/stories/new", f"/admin/stories/{story.id}/edit", "/admin/staff", "/admin/audit", "/admin/password",
             "/admin/subscribers", "/admin/subscribers/1/erase", "/admin/policies", "/admin/policies/returns",
             "/admin/articles", "/admin/articles/new", "/admin/articles/1/edit", "/admin/authors", "/admin/authors/new",
             "/admin/authors/1/edit", "/admin/topics", "/admin/topics/new", "/admin/topics/1/edit", "/admin/reports/sales.csv?start=2026-01-02&end=2026-01-01"]
    for path in pages:
        page.goto(f"{live_shop.url}{path}")
        if problems := serious_violations(page):
            found[path] = problems
    assert found == {}
