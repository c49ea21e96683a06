"""An article's page: the article with its product cards, references and the ebook signup."""
import logging
from datetime import timedelta

import pytest

from shop.content.models import ArticleStatus
from shop.database import utcnow
from tests.factories import make_article, make_author, make_category, make_product
from tests.support.html import dangerous_markup, page_text


def test_article_page_has_everything_a_reader_needs(app, client):
    category = make_category(name="Hand & arm")
    reviewer = make_author(name="Dr Rev Iewer", credentials="Doctor of Medicine")
    product = make_product(name="Grip Trainer", price_cents=4500)
    article = make_article(
        title="Exercises for the hand",
        body="Practice helps.[[ref:1]]\n\n[[product:" + product.slug + "]]\n\nMore text.[[ref:2]]",
        categories=[category],
        references=2,
        products=[product],
        reviewer=reviewer,
        reviewed_on=utcnow().date(),
        safety_note="Talk to your pharmacist about your blood-pressure medicines.",
    )
    related = make_article(title="Another hand article", categories=[category])
    unrelated = make_article(title="Unrelated article", categories=[make_category()])

    response = client.get(f"/articles/{article.slug}")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), page_text(response)
    assert f"By {article.author.name} , Doctor of Physical Therapy" in text
    assert "Medically reviewed by Dr Rev Iewer , Doctor of Medicine" in text
    assert "Published" in text and "1 minute read" in text
    assert "This is not medical advice" in text and "blood-pressure medicines" in text
    # Numbered sources, and markers in the text that link to them (and back).
    assert '<li id="ref-1">' in html and '<li id="ref-2">' in html and 'href="#ref-2"' in html
    assert 'href="#cite-1"' in html and 'id="cite-1"' in html
    # The inline card: price and an Add to cart form (no session token: shop/same_origin.py).
    body = html[html.index('class="article-body"'):html.index('id="sources-title"')]
    assert "$45.00" in body and 'action="/cart/items"' in body and 'name="csrf_token"' not in body
    assert "Products in this article" in text and "Grip Trainer" in text
    assert related.title in text and unrelated.title not in text
    assert "Get our free stroke recovery ebook" in text and "never sell your email address" in text
    assert 'aria-label="Breadcrumb"' in html and "Hand &amp; arm" in html


def test_unknown_product_in_an_article_renders_nothing_and_is_logged(app, client, runner, caplog):
    article = make_article(body="Intro.\n\n[[product:retired-gadget]]\n\nOutro.")
    with caplog.at_level(logging.WARNING):
        response = client.get(f"/articles/{article.slug}")
    assert response.status_code == 200
    assert "retired-gadget" not in page_text(response) and "Outro." in page_text(response)
    assert any("retired-gadget" in record.getMessage() for record in caplog.records)
    result = runner.invoke(args=["content", "check"])
    assert f"{article.slug}: unknown products retired-gadget" in result.output


def test_script_in_an_article_never_reaches_the_page(app, client):
    article = make_article(
        title="<script>alert('t')</script>Title",
        body="Hi <script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>",
    )
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    assert dangerous_markup(main, allowed_tags={"form"}) == []
    assert "&lt;script&gt;alert" in main  # the title is shown as text


@pytest.mark.parametrize(
    "status, offset, visible",
    [
        (ArticleStatus.DRAFT, timedelta(days=-1), False),
        (ArticleStatus.SCHEDULED, timedelta(days=2), False),
        (ArticleStatus.SCHEDULED, timedelta(days=-1), True),  # its time has come
        (ArticleStatus.PUBLISHED, timedelta(days=2), False),  # dated in the future
        (ArticleStatus.PUBLISHED, timedelta(days=-1), True),
    ],
)
def test_drafts_and_future_articles_are_invisible(app, client, status, offset, visible):
    category = make_category()
    author = make_author()
    article = make_article(title="Hidden Or Not Zebra", status=status, published_at=utcnow() + offset, categories=[category], author=author)
    assert client.get(f"/articles/{article.slug}").status_code == (200 if visible else 404)
    for path in ("/articles", f"/articles/category/{category.slug}", f"/authors/{author.slug}", "/search?q=zebra", "/"):
        assert ("Hidden Or Not Zebra" in page_text(client.get(path))) is visible, path
    for path in ("/sitemap.xml", "/feed.xml"):
        assert (article.slug in client.get(path).get_data(as_text=True)) is visible, path


def test_product_page_lists_articles_that_feature_it(app, client):
    product, other = make_product(), make_product()
    make_article(title="Featuring it", products=[product])
    make_article(title="Featuring the other", products=[other])
    make_article(title="A draft featuring it", products=[product], status=ArticleStatus.DRAFT)
    text = page_text(client.get(f"/products/{product.slug}"))
    assert "Featuring it" in text
    assert "Featuring the other" not in text and "A draft featuring it" not in text
