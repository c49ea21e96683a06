import pytest
import sqlalchemy as sa
from flask import abort

from shop import create_app
from shop.catalog.models import Product
from shop.extensions import db
from tests.conftest import make_test_config
from tests.htmlcheck import dangerous_markup, page_text
from tests.factories import make_product


def test_home_leads_with_the_flagship_device(seeded, client):
    response = client.get("/")
    assert response.status_code == 200
    text = page_text(response)
    assert "SteadyHand Trainer" in text
    assert "No products in the cart." in text
    for link in ("Products", "Articles", "Testimonials"):
        assert link in text


def test_catalogue_lists_active_products_only(seeded, client):
    db.session.execute(sa.update(Product).where(Product.slug == "assist-strap").values(active=False))
    db.session.commit()
    text = page_text(client.get("/products"))
    assert "SteadyHand Trainer" in text and "Home Recovery Bundle" in text
    assert "Assist Strap" not in text


def test_catalogue_paginates(app, client):
    app.config["PRODUCTS_PER_PAGE"] = 2
    for i in range(5):
        make_product(name=f"Band {i}")
    first = client.get("/products")
    assert "Page 1 of 3" in page_text(first) and 'rel="next"' in first.get_data(as_text=True)
    last = client.get("/products?page=3")
    assert "Band 4" in page_text(last)
    assert client.get("/products?page=4").status_code == 404
    assert client.get("/products?page=-1").status_code == 404


def test_every_seeded_product_page_renders(seeded, client):
    slugs = db.session.scalars(sa.select(Product.slug)).all()
    assert len(slugs) >= 6
    for slug in slugs:
        response = client.get(f"/products/{slug}")
        assert response.status_code == 200, slug
        assert 'name="csrf_token"' in response.get_data(as_text=True) or "sold out" in page_text(response)


def test_product_page_shows_sale_price_stock_and_add_to_cart(seeded, client):
    response = client.get("/products/steadyhand-trainer")
    html, text = response.get_data(as_text=True), page_text(response)
    assert "$299.00" in text and "$349.00" in text  # sale and previous price
    assert "In stock" in text
    assert 'action="/cart/items"' in html and 'name="quantity"' in html and 'max="10"' in html
    assert "<h2" in html  # the Markdown description became headings


@pytest.mark.parametrize(
    "stock, label, can_buy",
    [(None, "Available now", True), (0, "Out of stock", False), (3, "Only 3 left", True), (50, "In stock", True)],
)
def test_stock_state_in_plain_words(app, client, stock, label, can_buy):
    product = make_product(stock=stock)
    response = client.get(f"/products/{product.slug}")
    assert label in page_text(response)
    assert ('action="/cart/items"' in response.get_data(as_text=True)) is can_buy


def test_quantity_selector_never_offers_more_than_stock(app, client):
    product = make_product(stock=3)
    assert 'max="3"' in client.get(f"/products/{product.slug}").get_data(as_text=True)


def test_description_markdown_is_sanitised(app, client):
    product = make_product(description="Hi <script>alert(1)</script> [click](javascript:alert(2)) **bold**")
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    description = html[html.index('id="about"'):]
    assert dangerous_markup(description, allowed_tags={"form"}) == []
    assert "<strong>bold</strong>" in description


@pytest.mark.parametrize("path", ["/products/no-such-thing", "/products/..%2f..%2fetc", "/nope"])
def test_unknown_pages_are_404_in_the_site_look(app, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "We can't find that page" in page_text(response)
    assert "No products in the cart." in page_text(response)  # the site's own header


def test_inactive_product_is_404(app, client):
    product = make_product(active=False)
    assert client.get(f"/products/{product.slug}").status_code == 404


def test_health_check_answers_when_database_is_up(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_check_answers_503_when_database_is_down(tmp_path):
    app = create_app(make_test_config("postgresql+psycopg://postgres@127.0.0.1:1/none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_get_pages_never_write_to_the_database(seeded, client, count_queries):
    with count_queries() as queries:
        for path in ("/", "/products", "/products/steadyhand-trainer", "/healthz", "/nope"):
            client.get(path)
    writes = [q for q in queries if q.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert queries and writes == []


class TestErrorPages:
    @pytest.fixture
    def app_with_faults(self, database_url):
        app = create_app(make_test_config(database_url))

        @app.get("/_forbidden")
        def forbidden():
            abort(403)

        @app.get("/_boom")
        def boom():
            raise RuntimeError("kaboom")

        app.testing = False  # let the 500 handler answer instead of re-raising
        return app

    @pytest.mark.parametrize(
        "method, path, status, words",
        [
            ("get", "/_forbidden", 403, "only for shop staff"),
            ("get", "/_boom", 500, "something went wrong on our side"),
            ("post", "/products", 405, "can't be used that way"),
            ("delete", "/", 405, "can't be used that way"),
        ],
    )
    def test_error_pages_speak_plainly(self, app_with_faults, method, path, status, words):
        response = getattr(app_with_faults.test_client(), method)(path)
        assert response.status_code == status
        text = page_text(response)
        assert words in text and "Traceback" not in text and "kaboom" not in text

    def test_413_for_a_huge_body(self, app_with_faults):
        app_with_faults.config["MAX_CONTENT_LENGTH"] = 1000
        response = app_with_faults.test_client().post("/login", data={"email": "x" * 5000})
        assert response.status_code == 413
        assert "too much to send" in page_text(response)

    def test_400_for_a_form_without_csrf(self, app_with_faults):
        response = app_with_faults.test_client().post("/logout")
        assert response.status_code == 400
        assert "could not be checked" in page_text(response)

    def test_429_when_rate_limited(self, app, client):
        statuses = [client.post("/login", data={"email": "a@b.co", "password": "x"}).status_code for _ in range(12)]
        assert statuses[-1] == 429
        assert "slow down" in page_text(client.post("/login", data={"email": "a@b.co", "password": "x"}))
