"""The cart over HTTP: every route, the mini-cart, and every kind of bad input."""
import re

import pytest
import sqlalchemy as sa
from itsdangerous import Signer, URLSafeSerializer

from shop.cart.models import CartLine
from shop.extensions import db
from shop.orders.models import OrderLine
from tests.factories import make_article, make_product
from tests.support.html import page_text
from tests.support.shopper import checkout


@pytest.fixture
def product(app):
    return make_product(name="Grip Trainer", price_cents=2500, stock=8)


def add(client, slug, quantity="1", **extra):
    return client.post("/cart/items", data={"product": slug, "quantity": quantity, **extra})


def cart_lines(client):
    """(name, quantity) for each line, as the cart page shows them."""
    html = client.get("/cart").get_data(as_text=True)
    names = re.findall(r'<a href="/products/[^"]+">([^<]+)</a>', html)
    quantities = re.findall(r'name="quantity" type="number"[^>]*value="(\d+)"', html)
    return list(zip(names, map(int, quantities), strict=True))


def line_id(client):
    html = client.get("/cart").get_data(as_text=True)
    return int(re.search(r'id="line-(\d+)"', html).group(1))


def test_empty_cart_page_and_mini_cart(client):
    response = client.get("/cart")
    assert response.status_code == 200
    assert page_text(response).count("No products in the cart.") == 2  # header and page


def test_add_then_see_it_everywhere(client, product):
    response = add(client, product.slug, "2")
    assert response.status_code == 303 and response.headers["Location"] == "/cart"
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Lax" in response.headers["Set-Cookie"]
    assert cart_lines(client) == [("Grip Trainer", 2)]
    text = page_text(client.get("/cart"))
    assert "Subtotal: $50.00" in text and "Checkout" in text
    home = page_text(client.get("/products"))
    assert "Cart: 2 items, $50.00" in home


def test_default_quantity_is_one(client, product):
    client.post("/cart/items", data={"product": product.slug})
    assert cart_lines(client) == [("Grip Trainer", 1)]


def test_add_returns_to_a_page_on_this_site_only(client, product):
    assert add(client, product.slug, next="/articles/x").headers["Location"] == "/articles/x"
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        assert add(client, product.slug, next=evil).headers["Location"] == "/cart"


def test_update_and_remove(client, product):
    add(client, product.slug, "1")
    lid = line_id(client)
    assert client.post(f"/cart/items/{lid}", data={"quantity": "3"}).status_code == 303
    assert cart_lines(client) == [("Grip Trainer", 3)]
    assert client.post(f"/cart/items/{lid}/delete").status_code == 303
    assert cart_lines(client) == []


def test_each_change_to_the_cart_says_what_it_did_once(client, product):
    """The cart's fixed messages (shop/notices.py): shown on the next page, then gone."""
    add(client, product.slug, "1")
    lid = line_id(client)  # the cart page, with "Added to your cart."
    for change, words in ((lambda: client.post(f"/cart/items/{lid}", data={"quantity": "2"}), "Your cart is updated."),
                          (lambda: client.post(f"/cart/items/{lid}", data={"quantity": "0"}), "Removed from your cart."),
                          (lambda: add(client, product.slug, "1"), "Added to your cart."),
                          (lambda: client.post(f"/cart/items/{line_id(client)}/delete"), "Removed from your cart.")):
        assert change().status_code == 303
        assert words in page_text(client.get("/cart"))
        assert words not in page_text(client.get("/cart")) and client.get_cookie("notice") is None


def test_quantity_zero_on_update_removes(client, product):
    add(client, product.slug, "1")
    client.post(f"/cart/items/{line_id(client)}", data={"quantity": "0"})
    assert cart_lines(client) == []


def test_price_comes_from_the_database_not_the_form(client, product):
    add(client, product.slug, "1", price="1", price_cents="1", unit_price="0.01")
    assert "$25.00" in page_text(client.get("/cart"))


def test_stock_refusal_explains_and_keeps_the_cart(client, product):
    add(client, product.slug, "5")
    response = add(client, product.slug, "5")
    assert response.status_code == 303
    text = page_text(client.get(response.headers["Location"]))
    assert "only 8 of the Grip Trainer left" in text
    assert cart_lines(client) == [("Grip Trainer", 5)]


@pytest.mark.parametrize(
    "quantity",
    ["-1", "0", str(10**12), "abc", "1.5", "1e3", " ", "½", "0x10", "11"],
)
def test_bad_add_quantities_are_refused_and_the_cart_is_untouched(client, product, quantity):
    other = make_product(name="Strap")
    add(client, other.slug, "2")
    response = add(client, product.slug, quantity)
    if quantity == " ":  # blank means the default of one
        assert response.status_code == 303
        return
    assert response.status_code == 400
    assert "whole number from 1 to 10" in page_text(response)
    assert cart_lines(client) == [("Strap", 2)]


@pytest.mark.parametrize("quantity", ["-1", "abc", "2.0", str(10**12), ""])
def test_bad_update_quantities_are_refused(client, product, quantity):
    add(client, product.slug, "2")
    response = client.post(f"/cart/items/{line_id(client)}", data={"quantity": quantity})
    assert response.status_code == 400 and "whole number from 0 to 10" in page_text(response)
    assert cart_lines(client) == [("Grip Trainer", 2)]


def test_unknown_and_inactive_products_are_refused(client, product):
    hidden = make_product(active=False)
    for slug in ("no-such-thing", hidden.slug):
        response = add(client, slug)
        assert response.status_code == 404 and "not available" in page_text(response)
    response = client.post("/cart/items", data={"quantity": "1"})
    assert response.status_code == 400 and "choose a product" in page_text(response)


def test_a_line_of_another_cart_is_not_found(app, product):
    mine, theirs = app.test_client(), app.test_client()
    add(theirs, product.slug, "2")
    their_line = line_id(theirs)
    add(mine, product.slug, "1")
    for path, data in ((f"/cart/items/{their_line}", {"quantity": "5"}), (f"/cart/items/{their_line}/delete", {})):
        response = mine.post(path, data=data)
        assert response.status_code == 404 and "not in your cart" in page_text(response)
    assert cart_lines(theirs) == [("Grip Trainer", 2)]
    assert cart_lines(mine) == [("Grip Trainer", 1)]


def test_non_numeric_line_id_is_404(client, product):
    assert client.post("/cart/items/abc", data={"quantity": "1"}).status_code == 404


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://blog.shop.test"},
    {"Origin": "https://evil.example"},  # a browser that sends Origin but no Fetch Metadata
    {"Origin": "null"},  # a sandboxed frame
])
def test_cart_forms_posted_from_another_site_change_nothing(client, product, headers):
    add(client, product.slug, "1")
    response = client.post("/cart/items", data={"product": product.slug, "quantity": "3"}, headers=headers)
    assert response.status_code == 403 and "came from another website" in page_text(response)
    for path, data in ((f"/cart/items/{line_id(client)}", {"quantity": "5"}), (f"/cart/items/{line_id(client)}/delete", {})):
        assert client.post(path, data=data, headers=headers).status_code == 403
    assert cart_lines(client) == [("Grip Trainer", 1)]


def test_a_huge_body_gets_413_and_the_cart_is_untouched(app, client, product):
    add(client, product.slug, "1")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = add(client, product.slug, "1", padding="x" * 200_000)
    assert response.status_code == 413 and "too much to send" in page_text(response)
    assert cart_lines(client) == [("Grip Trainer", 1)]


def test_a_tampered_cookie_gets_a_fresh_cart(client, product):
    add(client, product.slug, "1")
    client.set_cookie("cart", "tampered.value")
    assert cart_lines(client) == []
    assert "No products in the cart." in page_text(client.get("/"))


def test_the_cookie_is_the_signed_token_and_a_cookie_from_before_still_finds_its_cart(app, client, product):
    add(client, product.slug, "2")
    value = client.get_cookie("cart").value
    token, signature = value.split(".")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token) and len(signature) == 27  # no JSON or base64 around it
    # Signed with another key, or under the other salt: not ours.
    forged = URLSafeSerializer("another key", salt="shop.cart").dumps(token)
    for tampered in (Signer("another key", salt="shop.cart.token").sign(token).decode(), forged, token + ".", token):
        client.set_cookie("cart", tampered)
        assert cart_lines(client) == []
    # A cookie set before the token was signed bare (JSON under the older salt) still works,
    # and the next add renews it in the new form.
    client.set_cookie("cart", URLSafeSerializer(app.secret_key, salt="shop.cart").dumps(token))
    assert cart_lines(client) == [("Grip Trainer", 2)]
    add(client, product.slug, "1")
    assert client.get_cookie("cart").value.startswith(token + ".")
    assert cart_lines(client) == [("Grip Trainer", 3)]
    # Signed under the older salt but not a token: nothing.
    client.set_cookie("cart", URLSafeSerializer(app.secret_key, salt="shop.cart").dumps(["a", "list"]))
    assert cart_lines(client) == []


def test_get_pages_with_a_cart_never_write(client, product, count_queries):
    add(client, product.slug, "1")
    with count_queries() as queries:
        for path in ("/", "/cart", f"/products/{product.slug}"):
            client.get(path)
    assert not [q for q in queries if q.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


def test_cart_page_query_count_does_not_grow_with_lines(app, client, count_queries):
    products = [make_product(stock=None) for _ in range(30)]

    def queries_for_cart_page() -> tuple[int, int]:
        """Statements for the cart page drawn whole (right after an add: a message to show)
        and drawn into its kept frame (the next visit)."""
        with count_queries() as whole:
            assert client.get("/cart").status_code == 200
        client.get("/cart")
        with count_queries() as framed:
            assert client.get("/cart").status_code == 200
        return len(whole), len(framed)

    add(client, products[0].slug)
    one_line = queries_for_cart_page()
    for p in products[1:]:
        add(client, p.slug, "2")
    thirty_lines = queries_for_cart_page()
    assert len(cart_lines(client)) == 30
    assert one_line == thirty_lines and max(one_line) <= 2, (one_line, thirty_lines)


def test_purge_command(app, runner, product):
    result = runner.invoke(args=["cart", "purge", "--older-than", "30d"])
    assert result.exit_code == 0 and "carts: 0 removed" in result.output
    bad = runner.invoke(args=["cart", "purge", "--older-than", "soon"])
    assert bad.exit_code != 0 and "30d" in bad.output


def test_cart_line_rows_hold_no_price_the_client_sent(client, product):
    add(client, product.slug, "1", price_seen_cents="1")
    assert db.session.scalar(sa.select(CartLine.price_seen_cents)) == 2500


def test_a_product_added_from_an_article_remembers_the_article_up_to_the_order(app, client, standin):
    article = make_article()
    product = make_product(stock=5)
    other = make_product(stock=5)
    assert client.post("/cart/items", data={"product": product.slug, "article": article.slug}).status_code == 303
    # An unknown or made-up article is ignored: it only feeds the owner's figures.
    for bad in ["no-such-article", "x" * 5000, "'; DROP TABLE articles; --"]:
        assert client.post("/cart/items", data={"product": other.slug, "article": bad}).status_code == 303
    assert dict(db.session.execute(sa.select(CartLine.product_id, CartLine.source_article_id)).all()) == {
        product.id: article.id, other.id: None}

    order = checkout(client)
    sources = dict(db.session.execute(
        sa.select(OrderLine.product_id, OrderLine.source_article_id).where(OrderLine.order_id == order.id)).all())
    assert sources == {product.id: article.id, other.id: None}


def test_the_article_page_cards_say_which_article_they_are_in(app, client):
    product = make_product(slug="grip-ball")
    article = make_article(body="Intro.\n\n[[product:grip-ball]]\n\nMore.")
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert f'<input type="hidden" name="article" value="{article.slug}">' in html and product.slug in html
