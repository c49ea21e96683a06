"""The small rules every blueprint shares (shop/web.py) and the one way refusals become
pages (shop/errors.py)."""
import pytest
from flask import Blueprint, request

from shop.errors import Conflict, NotFound, ShopError
from shop.media.pictures import static_picture
from shop.web import drawn_once, field, safe_next_path
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


def test_a_part_drawn_once_is_kept_per_key_and_per_address_the_shop_is_served_under(app):
    drawn = []

    def draw(value):
        def inner():
            drawn.append(value)
            return f"{request.script_root}/{value}"
        return inner

    with app.test_request_context("/"):
        assert drawn_once("probe", 1, draw(1)) == "/1"
        assert drawn_once("probe", 1, draw(1)) == "/1"
        assert drawn_once("probe", 2, draw(2)) == "/2"
    with app.test_request_context("/", base_url="http://localhost/shop/"):
        assert drawn_once("probe", 1, draw(1)) == "/shop/1"  # not the part drawn for "/"
    assert drawn == [1, 2, 1]


def test_a_part_drawn_once_keeps_a_bounded_number_of_values(app):
    with app.test_request_context("/"):
        for n in range(50):
            drawn_once("bounded", n, lambda n=n: n, limit=10)
        assert len(app.extensions["drawn_once:bounded"]) <= 10
        assert drawn_once("bounded", 49, lambda: "again") == 49


def test_a_static_picture_under_a_prefix_links_under_that_prefix(app):
    with app.test_request_context("/", base_url="http://localhost/shop/"):
        assert static_picture("img/products/strap.svg", 600, 450).src.startswith("/shop/static/")
    with app.test_request_context("/"):
        assert static_picture("img/products/strap.svg", 600, 450).src.startswith("/static/")


def test_a_field_is_the_first_value_sent_or_the_default():
    from werkzeug.datastructures import ImmutableMultiDict

    form = ImmutableMultiDict([("product", "strap"), ("product", "trainer"), ("next", "")])
    assert (field(form, "product"), field(form, "next", "/cart"), field(form, "article"), field(form, "article", "")) \
        == ("strap", "", None, "")
