"""An article body: sanitised Markdown plus [[product:slug]] and [[ref:n]] directives."""
import pytest

from shop.catalog.models import Product
from shop.content.models import Article
from shop.content.rendering import product_slugs_in, render_article_body
from tests.support.html import dangerous_markup


def _product(slug="trainer", active=True):
    return Product(slug=slug, name="Trainer", active=active, price_cents=100)


def _render(source, products=None, references=0):
    return render_article_body(
        source,
        products=products or {},
        reference_count=references,
        product_card=lambda p: f'<aside class="card">{p.slug}</aside>',
    )


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[x](JaVaScRiPt&#58;alert(1))",
        "<img src=x onerror=alert(1)>",
        "[[product:<script>alert(1)</script>]]",
        "[[ref:1]]<script>alert(1)</script>",
        "[[product:x\" onmouseover=\"alert(1)]]",
    ],
)
def test_no_script_reaches_the_body(source):
    html = str(_render(source, {"trainer": _product()}, references=1).html)
    assert dangerous_markup(html) == [], html
    assert "<script" not in html


def test_product_directive_becomes_a_card():
    body = _render("Before.\n\n[[product:trainer]]\n\nAfter.", {"trainer": _product()})
    assert '<aside class="card">trainer</aside>' in str(body.html)
    assert "<p><aside" not in str(body.html)  # a block of its own, not inside a paragraph
    assert body.problems == []


@pytest.mark.parametrize(
    "source, missing",
    [
        ("[[product:no-such-thing]]", "no-such-thing"),
        ("Buy the [[product:trainer]] today.", "trainer"),  # inside a sentence: no room for a card
    ],
)
def test_unknown_or_misplaced_product_renders_nothing_and_is_reported(source, missing):
    body = _render(source, {"trainer": _product()})
    assert "[[product" not in str(body.html) and "<aside" not in str(body.html)
    assert body.unknown_products == [missing]
    assert missing in body.problems[0]


def test_inactive_product_renders_nothing():
    body = _render("[[product:trainer]]", {"trainer": _product(active=False)})
    assert "<aside" not in str(body.html) and body.unknown_products == ["trainer"]


def test_reference_markers_link_to_numbered_sources():
    body = _render("Fact one.[[ref:1]] Fact two.[[ref:2]][[ref:1]] Wrong.[[ref:9]]", references=2)
    html = str(body.html)
    assert 'id="cite-1"><a href="#ref-1"' in html
    assert 'id="cite-2"><a href="#ref-2"' in html
    assert 'id="cite-1-2"' in html  # a second citation of source 1 gets its own id
    assert "[[ref" not in html and "#ref-9" not in html
    assert body.unknown_references == [9]


def test_product_slugs_are_found_once_in_order():
    assert product_slugs_in("[[product:b]]\n\n[[product:a]] [[product:b]]") == ["b", "a"]


@pytest.mark.parametrize("words, minutes", [(0, 1), (150, 1), (200, 1), (201, 2), (1000, 5)])
def test_reading_time_rounds_up_and_ignores_directives(words, minutes):
    article = Article(body=" ".join(["word"] * words) + "\n\n[[product:trainer]] [[ref:1]]")
    assert article.reading_minutes == minutes
