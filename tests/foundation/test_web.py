"""The small rules every blueprint shares (shop/web.py) and the one way refusals become
pages (shop/errors.py)."""
import pytest
from flask import Blueprint

from shop.errors import Conflict, NotFound, ShopError
from shop.web import safe_next_path
from tests.factories import make_order, make_product
from tests.support.html import page_text

LISTS = ["/products", "/articles", "/testimonials", "/admin/orders", "/admin/stories"]


BAD_PAGES = ["0", "-1", "abc", "1.5", "10**20", "9223372036854775807", "99999999999999999999", "１", "%00", "10001"]


@pytest.mark.parametrize("path", LISTS)
def test_a_page_number_that_is_not_a_whole_number_in_range_is_a_404(staff_client, path):
    make_product()
    make_order()
    statuses = {page: staff_client.get(f"{path}?page={page}").status_code for page in BAD_PAGES}
    # A control character is refused before any page is looked for (shop/security.py).
    assert statuses == {**dict.fromkeys(BAD_PAGES, 404), "%00": 400}


@pytest.mark.parametrize("path", LISTS)
def test_page_one_and_no_page_are_the_same_list(staff_client, path):
    make_product()
    assert staff_client.get(f"{path}?page=1").status_code == staff_client.get(path).status_code == 200


@pytest.mark.parametrize("target, expected", [
    ("/cart", "/cart"),
    ("/products/a?x=1", "/products/a?x=1"),
    (None, "/home"),
    ("", "/home"),
    ("https://evil.example/", "/home"),
    ("//evil.example/", "/home"),
    ("/\\evil.example", "/home"),
    ("\\\\evil.example", "/home"),
    ("javascript:alert(1)", "/home"),
    ("cart", "/home"),
    ("http:/evil.example", "/home"),
    ("/cart\r\nSet-Cookie: x=1", "/home"),
    ("/\x00cart", "/home"),
])
def test_safe_next_path_keeps_only_paths_on_this_site(target, expected):
    assert safe_next_path(target, "/home") == expected


@pytest.fixture
def app_with_refusals(app):
    """A blueprint whose routes raise the shop's refusals, as services do."""
    bp = Blueprint("refusals", __name__)

    @bp.get("/_refuse/<kind>")
    def refuse(kind: str):
        raise {"plain": ShopError("Plain words for a shopper."), "missing": NotFound("No such thing here."),
               "conflict": Conflict("Not in that state.")}[kind]

    app.register_blueprint(bp)
    return app


@pytest.mark.parametrize("kind, status, words", [
    ("plain", 400, "Plain words for a shopper."),
    ("missing", 404, "No such thing here."),
    ("conflict", 409, "Not in that state."),
])
def test_every_refusal_is_one_page_with_its_status_and_its_words(app_with_refusals, client, kind, status, words):
    response = client.get(f"/_refuse/{kind}")
    assert response.status_code == status
    text = page_text(response)
    assert words in text and f"Error code {status}" in text and "Traceback" not in text
