"""The pages that show several domains: the home page and a product's page, and the health check."""
import pytest
import sqlalchemy as sa

from shop import create_app
from shop.catalog.models import Product
from shop.extensions import db
from tests.conftest import make_test_config
from tests.factories import make_product
from tests.support.html import dangerous_markup, page_text


def test_home_leads_with_the_flagship_device(seeded, client):
    response = client.get("/")
    assert response.status_code == 200
    text = page_text(response)
    assert "SteadyHand Trainer" in text
    assert "No products in the cart." in text
    for link in ("Products", "Articles", "Testimonials"):
        assert link in text


def test_every_seeded_product_page_renders(seeded, client):
    slugs = db.session.scalars(sa.select(Product.slug)).all()
    assert len(slugs) >= 6
    for slug in slugs:
        response = client.get(f"/products/{slug}")
        assert response.status_code == 200, slug
        assert 'action="/cart/items"' in response.get_data(as_text=True) or "sold out" in page_text(response)


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
