import pytest
import sqlalchemy as sa
from flask import abort

from shop import create_app
from shop.catalog.models import Product
from shop.extensions import db
from tests.conftest import make_test_config
from tests.factories import make_product
from tests.support.html import page_text


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












@pytest.mark.parametrize("path", ["/products/no-such-thing", "/products/..%2f..%2fetc", "/nope"])
def test_unknown_pages_are_404_in_the_site_look(app, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "We can't find that page" in page_text(response)
    assert "No products in the cart." in page_text(response)  # the site's own header








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
