"""Shoppers' forms carry no session token: a POST is refused when the browser says it
comes from another site (shop/same_origin.py), and allowed from the shop's own pages."""
import pytest

from shop.cart.models import CartLine
from shop.newsletter.models import Subscriber
from shop.testimonials import models as stories
from tests.factories import make_product
from tests.support.db import count
from tests.support.html import page_text

STORY = {"name": "Ann", "email": "ann@example.com", "product": "", "story": "A story long enough to be kept. " * 3,
         "consent": "y"}
SIGNUP = {"email": "reader@example.com", "consent": "y", "source": "home"}
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "cross-site"},  # Origin is left out on some redirects; Fetch Metadata is not
    {"Sec-Fetch-Site": "same-site", "Origin": "http://blog.shop.test"},  # a sibling site is another site
    {"Origin": "https://evil.example"},  # a browser without Fetch Metadata
    {"Origin": "http://shop.test.evil.example"},
    {"Origin": "null"},  # a sandboxed frame, a data: URL
]


def _shopper_forms(product_slug):
    return [
        ("/cart/items", {"product": product_slug, "quantity": "1"}, lambda: count(CartLine)),
        ("/newsletter", SIGNUP, lambda: count(Subscriber)),
        ("/testimonials/submit", STORY, lambda: count(stories.Testimonial)),
    ]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_shopper_form_posted_from_another_site_is_refused(app, client, headers):
    product = make_product()
    for path, data, rows in _shopper_forms(product.slug):
        response = client.post(path, data=data, headers=headers)
        assert response.status_code == 403, (path, headers)
        assert "came from another website" in page_text(response) and "Nothing was changed" in page_text(response)
        assert rows() == 0, path
        assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},  # what ShopClient sends
    {"Sec-Fetch-Site": "none"},  # typed or bookmarked
    {"Origin": "http://shop.test"},  # SHOP_BASE_URL, from a browser without Fetch Metadata
    {"Origin": "http://localhost"},  # the address the request was sent to
    {},  # no browser at all: nothing a forged page could make it send
])
def test_a_shopper_form_from_this_site_needs_no_token(app, client, headers):
    product = make_product()
    for path, data, rows in _shopper_forms(product.slug):
        response = client.post(path, data=data, headers=headers, csrf=False, browser=bool(headers))
        assert response.status_code == 303, (path, headers, page_text(response)[:200])
        assert rows() == 1, path


def test_staff_forms_still_need_the_token_from_this_site(app, staff_client):
    response = staff_client.post("/logout", csrf=False)
    assert response.status_code == 400 and "could not be checked" in page_text(response)


def test_staff_forms_from_another_site_are_refused_even_with_the_token(app, staff_client):
    response = staff_client.post("/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert staff_client.get("/admin").status_code == 200  # still logged in


def test_other_servers_may_post_where_they_bring_their_own_proof(app, client):
    """Stripe's webhook answers on its signature, not on where it comes from."""
    response = client.post("/webhooks/stripe", data="{}", content_type="application/json",
                           headers={"Sec-Fetch-Site": "cross-site", "Stripe-Signature": "t=1,v1=bad"})
    assert response.status_code == 400 and response.json == {"error": "invalid signature"}


def test_public_pages_carry_no_session_token(app, client):
    make_product(slug="tokenless")
    for path in ("/products/tokenless", "/newsletter", "/testimonials/submit", "/"):
        response = client.get(path)
        assert 'name="csrf_token"' not in response.get_data(as_text=True), path
        assert "Set-Cookie" not in response.headers, path
