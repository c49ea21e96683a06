"""Queries per page stay the same as the catalogue grows."""
import pytest

from tests.conftest import queries_for_page
from tests.factories import make_product


@pytest.mark.parametrize("path", ["/", "/products", "/products/product-probe"])
def test_page_queries_do_not_grow_with_the_catalogue(app, client, count_queries, path):
    make_product(slug="product-probe", images=3, position=0)
    for _ in range(4):
        make_product(images=2)
    small = queries_for_page(count_queries, client, path)
    for _ in range(495):
        make_product(images=2, commit=False)
    from shop.extensions import db

    db.session.commit()
    large = queries_for_page(count_queries, client, path)
    assert small == large, f"{path}: {small} queries with 5 products, {large} with 500"
    assert large <= 4, f"{path} issues {large} queries"
    assert queries_for_page(count_queries, client, path, rendered=False) == 1  # a repeat visit: the cache's version
