"""Queries per content page stay the same as articles and stories grow."""
import pytest

from shop.extensions import db
from tests.conftest import queries_for_page
from tests.factories import make_article, make_author, make_category, make_product, make_testimonial


def _add_content(count, product, category, author):
    for _ in range(count):
        make_article(
            author=author, reviewer=make_author(commit=False), categories=[category, make_category(commit=False)],
            references=3, products=[product], commit=False,
            body="Text.[[ref:1]]\n\n[[product:" + product.slug + "]]",
        )
        make_testimonial(product=product, commit=False)
    db.session.commit()


@pytest.mark.parametrize("path", ["/", "/articles", "/articles/probe", "/testimonials", "/products/probe-product"])
def test_content_page_queries_do_not_grow(app, client, count_queries, path):
    product = make_product(slug="probe-product", images=2, kind="device", position=0)
    category, author = make_category(), make_author()
    make_article(slug="probe", author=author, categories=[category], references=3, products=[product],
                 body="Text.[[ref:1]]\n\n[[product:probe-product]]")
    _add_content(4, product, category, author)
    small = queries_for_page(count_queries, client, path)
    _add_content(45, product, category, author)
    large = queries_for_page(count_queries, client, path)
    assert small == large, f"{path}: {small} queries with 5 articles and stories, {large} with 50"
    assert large <= (7 if path == "/articles/probe" else 4), f"{path} issues {large} queries"
    assert queries_for_page(count_queries, client, path, rendered=False) == 1  # a repeat visit: the cache's version
