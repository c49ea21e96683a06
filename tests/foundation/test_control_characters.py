"""Control characters in any text a request carries are refused at one place with a 400
in plain words, before any of it reaches a query (PostgreSQL refuses NUL in text, which
was a 500)."""
import pytest

from shop.cart.models import Cart
from shop.newsletter.models import Subscriber
from tests.factories import make_product
from tests.support.db import count
from tests.support.html import page_text

# Found by probing: each of these answered 500 on PostgreSQL.
GETS = ["/products/%00", "/articles/%00", "/authors/%00", "/testimonials/%00", "/articles/category/%00",
        "/checkout/success?session_id=cs_%00", "/checkout/cancel?order=%00", "/search?q=a%00b",
        "/products?page=1%00", "/products/a%01b", "/testimonials?product=x%7Fy", "/search?q=a%C2%85b",
        "/newsletter/confirm/%00", "/admin/orders?status=%00"]


@pytest.mark.parametrize("path", GETS)
def test_a_control_character_in_a_path_or_query_is_a_400_in_plain_words(app, client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "characters we can't accept" in page_text(response)


def test_a_nul_in_a_form_field_is_a_400_and_changes_nothing(app, client):
    make_product(slug="ab")
    added = client.post("/cart/items", data={"product": "a\x00b", "quantity": "1"})
    signed_up = client.post("/newsletter", data={"email": "ann@example.com", "consent": "y", "source": "x\x00y"})
    assert (added.status_code, signed_up.status_code) == (400, 400)
    assert "characters we can't accept" in page_text(added)
    assert count(Cart) == 0 and count(Subscriber) == 0


def test_a_control_character_in_a_form_field_name_is_refused_too(app, client):
    response = client.post("/cart/items", data={"product": "ab", "quantity": "1", "x\x1by": "1"})
    assert response.status_code == 400


@pytest.mark.parametrize("text", ["Line one\nline two", "Line one\r\nline two", "Column\tcolumn"])
def test_line_breaks_and_tabs_are_fine_in_form_fields(app, client, text):
    response = client.post("/testimonials/submit", data={
        "name": "Jo", "email": "jo@example.com", "product": "", "consent": "y",
        "story": f"{text}: I practised every day and my grip slowly came back over the months."})
    assert response.status_code == 303


@pytest.mark.parametrize("path", ["/search?q=a%0Ab", "/search?q=a%09b", "/products/a%0Ab"])
def test_line_breaks_are_not_fine_in_paths_and_queries(app, client, path):
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**30])
def test_a_number_in_a_path_too_big_for_the_database_is_not_found(staff_client, number):
    # Found by fuzzing (tests/foundation/test_fuzz.py): these reached the query and failed there.
    assert staff_client.post(f"/admin/stories/{number}/publish").status_code == 404
    assert staff_client.post(f"/cart/items/{number}", data={"quantity": "1"}).status_code == 404
    assert staff_client.post(f"/cart/items/{2**31 - 1}", data={"quantity": "1"}).status_code == 404  # the largest: no such line
