"""axe in Chromium on the pages shoppers and staff use: nothing serious or critical."""
import pytest

from tests.factories import STAFF_EMAIL, make_order, make_staff, make_submitted_story
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
    page.goto(f"{live_shop.url}/login")
    page.get_by_label("Email").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    found = {}
    for path in ["/admin", "/admin/orders", f"/admin/orders/{order.number}", "/admin/stories", "/admin/policies",
                 "/admin/policies/returns"]:
        page.goto(f"{live_shop.url}{path}")
        if problems := serious_violations(page):
            found[path] = problems
    assert found == {}
