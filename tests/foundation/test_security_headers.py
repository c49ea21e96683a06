"""Security headers on every response, cookie flags, and the hosts the shop answers to."""
from __future__ import annotations

import pytest

from shop import create_app
from shop.config import ConfigError
from shop.extensions import db
from tests.factories import make_product
from tests.support.html import elements
from tests.support.shopper import checkout

PAGES = ["/", "/products", "/cart", "/articles", "/testimonials", "/search?q=hand", "/newsletter", "/login",
         "/no-such-page", "/static/css/shop.css", "/sitemap.xml", "/healthz", "/testimonials/submit"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(app, client, path):
    response = client.get(path)
    response.close()
    headers = response.headers
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # the test shop is on http


def test_our_pages_need_no_inline_script_or_style(app, client):
    make_product()
    for path in ("/", "/products", "/cart", "/newsletter", "/testimonials/submit", "/login"):
        for tag, attrs in elements(client.get(path).get_data(as_text=True)):
            assert "style" not in attrs, (path, tag)
            assert not any(name.startswith("on") for name in attrs), (path, tag)
            if tag == "script":
                assert attrs.get("type") == "application/ld+json" or attrs.get("src"), (path, attrs)


def test_the_checkout_redirect_to_stripe_is_an_allowed_form_action(app, client, standin):
    response = client.get("/")
    assert standin.base_url in response.headers["Content-Security-Policy"]
    assert "https://checkout.stripe.com" in response.headers["Content-Security-Policy"]


def test_https_shop_sends_hsts_and_secure_cookies(app, another_app):
    product = make_product()
    db.session.commit()
    secure = another_app(SHOP_BASE_URL="https://shop.test")
    client = secure.test_client()
    response = client.get("/", base_url="https://shop.test")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Adding to the cart is a shopper's form: the browser's same-origin word is its protection.
    add = client.post("/cart/items", data={"product": product.slug}, base_url="https://shop.test",
                      headers={"Origin": "https://shop.test", "Sec-Fetch-Site": "same-origin"})
    cookies = add.headers.getlist("Set-Cookie")
    assert add.status_code == 303
    assert cookies and all("Secure" in c and "SameSite=Lax" in c and "HttpOnly" in c for c in cookies)


def test_cookies_are_samesite_lax_and_httponly(app, client):
    product = make_product(stock=1)
    added = client.post("/cart/items", data={"product": product.slug, "quantity": "1"})
    refused = client.post("/cart/items", data={"product": product.slug, "quantity": "1"})  # a message in the session
    cookies = added.headers.getlist("Set-Cookie") + refused.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"cart", "notice", "session"}
    assert all("SameSite=Lax" in c and "HttpOnly" in c and "Secure" not in c for c in cookies)


def test_production_refuses_an_https_shop_with_insecure_cookies(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SHOP_BASE_URL": "https://shop.example",
                    "SESSION_COOKIE_SECURE": False})
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SHOP_BASE_URL": "https://shop.example"})
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["TRUSTED_HOSTS"] == ["shop.example"]


@pytest.mark.parametrize("host", ["evil.example", "shop.test.evil.example", "evil.example:80"])
def test_a_forged_host_header_is_refused_before_any_view(app, client, host):
    for path in ("/", "/articles?category=x", "/login?next=/admin", "/admin"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, (path, host)
        assert "evil" not in response.headers.get("Location", "") and "evil" not in response.get_data(as_text=True)


def test_the_trusted_host_is_the_base_urls_by_default(monkeypatch):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SHOP_BASE_URL": "https://shop.example"})
    client = app.test_client()
    assert client.get("/robots.txt", base_url="https://shop.example").status_code == 200
    assert client.get("/robots.txt", base_url="https://evil.example").status_code == 400


@pytest.mark.parametrize("path_of", [lambda order: f"/checkout/success?session_id={order.stripe_session_id}",
                                     lambda order: f"/checkout/cancel?order={order.number}"])
def test_pages_that_show_an_order_are_never_stored(app, client, standin, path_of):
    order = checkout(client, make_product(stock=5), 1)
    assert client.get(path_of(order)).headers["Cache-Control"] == "no-store"


def test_the_staff_area_is_never_stored(staff_client):
    assert staff_client.get("/admin").headers["Cache-Control"] == "no-store"
    assert staff_client.get("/admin/orders").headers["Cache-Control"] == "no-store"


def test_flask_run_on_this_machine_answers_to_both_loopback_names():
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "DEBUG": True,
                      "SHOP_BASE_URL": "http://127.0.0.1:5000", "TRUSTED_HOSTS": None})
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
