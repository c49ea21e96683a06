"""The policy pages: written by us, seeded, public, linked from every page footer, the cart,
Stripe Checkout and the emails, in the sitemap; edited by staff as sanitised Markdown,
rendered when saved."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.accounts.models import StaffRole
from shop.extensions import db
from shop.markup import MARKUP_VERSION
from shop.policies.models import PolicyPage
from shop.policies.services import POLICIES, policy_path
from tests.factories import STAFF_EMAIL, make_product, make_staff
from tests.support.html import dangerous_markup, page_text
from tests.support.shopper import add_to_cart, log_in

SLUGS = [slug for slug, _ in POLICIES]


def page(slug: str) -> PolicyPage:
    db.session.rollback()
    return db.session.scalar(sa.select(PolicyPage).where(PolicyPage.slug == slug))


@pytest.mark.parametrize("slug", SLUGS)
def test_each_seeded_page_is_public_in_plain_words(seeded, client, slug):
    response = client.get(f"/policies/{slug}")
    assert response.status_code == 200
    text = page_text(response)
    assert page(slug).title in text and "Last changed" in text and "[[" not in text
    assert len(text.split()) > 150  # a real page, not a stub
    assert page(slug).markup_version == MARKUP_VERSION and page(slug).updated_by == "seed"


def test_seeding_twice_keeps_what_staff_wrote(seeded):
    from shop.seed import seed_all

    db.session.execute(sa.update(PolicyPage).where(PolicyPage.slug == "terms").values(title="Our terms, edited"))
    db.session.commit()
    assert "policy pages: 0 added, 6 already there" in list(seed_all())
    assert page("terms").title == "Our terms, edited"


def test_footer_cart_and_sitemap_link_every_page(seeded, client):
    home = client.get("/").get_data(as_text=True)
    for slug in SLUGS:
        assert f'href="/policies/{slug}"' in home, slug
    add_to_cart(client, make_product(price_cents=1500))
    cart = client.get("/cart")
    assert 'href="/policies/terms"' in cart.get_data(as_text=True)
    assert "send products back within 30 days" in page_text(cart)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    for slug in SLUGS:
        assert f"<loc>http://shop.test/policies/{slug}</loc>" in sitemap


def test_the_return_window_is_a_setting(seeded, client, app):
    app.config["RETURN_WINDOW_DAYS"] = 45
    returns = page_text(client.get("/policies/returns"))
    assert "You have 45 days from the day your parcel arrives" in returns and "30 days" not in returns
    assert "within 45 days of delivery" in page_text(client.get("/policies/terms"))
    add_to_cart(client, make_product(price_cents=1500))
    assert "within 45 days" in page_text(client.get("/cart"))


def test_unknown_pages_are_404(seeded, client):
    for path in ("/policies/nope", "/policies/..%2fterms", "/policies/" + "x" * 300):
        assert client.get(path).status_code == 404
    assert policy_path("terms") == "/policies/terms"  # what Stripe's text links to is what we serve
    with client.application.test_request_context():
        from flask import url_for

        assert url_for("policies.policy_page", slug="terms") == policy_path("terms")


@pytest.mark.parametrize("role", [StaffRole.OWNER, StaffRole.EDITOR])
def test_staff_edit_a_page_and_what_they_write_is_sanitised(seeded, client, role):
    make_staff(role=role)
    log_in(client, STAFF_EMAIL)
    listing = page_text(client.get("/admin/policies"))
    assert all(name in listing for _, name in POLICIES if name != "Terms of sale") and "Policy pages" in listing
    form = client.get("/admin/policies/warranty")
    assert form.status_code == 200 and "[[return-days]]" in page_text(form)

    body = ("## Two years\n\nWe fix it. <script>alert(1)</script> [click](javascript:alert(1)) "
            "<img src=x onerror=alert(1)> Returns within [[return-days]] days.\n\n[Ask us](mailto:care@example.com)")
    saved = client.post("/admin/policies/warranty", data={"title": "Warranty <b>two</b> years", "summary": "Short.",
                                                           "body": body})
    assert saved.status_code == 303 and saved.headers["Location"] == "/admin/policies/warranty"
    stored = page("warranty")
    assert "\x00" not in stored.body and stored.updated_by == STAFF_EMAIL
    assert stored.markup_version == MARKUP_VERSION and "<h2>Two years</h2>" in stored.body_html

    public = client.get("/policies/warranty")
    markup = public.get_data(as_text=True)
    prose = markup.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    assert dangerous_markup(prose) == [] and "href=\"javascript" not in prose and "<script" not in prose
    assert "Warranty &lt;b&gt;two&lt;/b&gt; years" in markup  # the title is text, escaped
    assert "Returns within 30 days" in page_text(public) and 'href="mailto:care@example.com"' in prose


def test_a_page_needs_a_title_and_words(seeded, client):
    make_staff(role=StaffRole.EDITOR)
    log_in(client, STAFF_EMAIL)
    response = client.post("/admin/policies/terms", data={"title": " ", "summary": "", "body": ""})
    assert response.status_code == 400
    assert "Please give the page a title" in page_text(response) and "Please write the page" in page_text(response)
    assert page("terms").updated_by == "seed"
    assert client.post("/admin/policies/nope", data={"title": "x", "body": "y"}).status_code == 404


def test_html_from_an_older_renderer_is_rendered_again_when_shown(seeded, client, count_queries):
    db.session.execute(sa.update(PolicyPage).where(PolicyPage.slug == "privacy")
                       .values(body="## Fresh words", body_html="<p>stale</p>", markup_version=0))
    db.session.commit()
    with count_queries() as queries:
        text = page_text(client.get("/policies/privacy"))
    assert "Fresh words" in text and "stale" not in text
    assert not [q for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q, re.I)]  # a GET writes nothing
