"""Site search: one function, FTS5 on SQLite and tsvector on PostgreSQL."""
import pytest

from shop.content.models import ArticleStatus
from shop.content.search import search, search_terms
from shop.database import utcnow
from shop.extensions import db
from tests.factories import make_article, make_product
from tests.support.html import page_text


@pytest.fixture
def library(app):
    make_article(slug="magnesium", title="Does magnesium oil help?", summary="Evidence on supplements.", body="Magnesium is a mineral.")
    make_article(slug="hands", title="Hand recovery", summary="Practice at home.", body="These exercises strengthen the hand. Magnesium is not one of them.")
    make_article(slug="draft", title="Draft about magnesium", status=ArticleStatus.DRAFT)
    make_product(slug="grip", name="Grip trainer", summary="Squeeze to practise.", description="Hand exercise device.")
    make_product(slug="old", name="Old magnesium spray", active=False)


def _slugs(hits):
    return [hit.item.slug for hit in hits]


def test_finds_articles_and_products_by_title_summary_and_body(library):
    assert _slugs(search("supplements", utcnow())) == ["magnesium"]  # summary
    assert set(_slugs(search("hand", utcnow()))) == {"hands", "grip"}
    assert [hit.kind for hit in search("squeeze", utcnow())] == ["product"]


def test_ranks_title_matches_first_and_hides_drafts_and_inactive_products(library):
    assert _slugs(search("magnesium", utcnow())) == ["magnesium", "hands"]


def test_stems_words_and_falls_back_to_any_word(library):
    assert "hands" in _slugs(search("exercise", utcnow()))  # body says "exercises"
    assert _slugs(search("magnesium zzzunknown", utcnow())) == ["magnesium", "hands"]  # no page has both


@pytest.mark.parametrize(
    "query",
    ['"', "NEAR(", "*", "magnesium OR", "AND OR NOT", "'; DROP TABLE articles; --", "a\x00b", "((((", "-", "x" * 5000,
     "title:magnesium", "^magnesium", "💪 hand", "<script>alert(1)</script>"],
)
def test_hostile_queries_are_answered_cleanly(library, client, query):
    search(query, utcnow())  # never raises
    response = client.get("/search", query_string={"q": query})
    # A control character is refused for the whole request (shop/security.py).
    assert response.status_code == (400 if "\x00" in query else 200)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert db.session.scalar(db.text("SELECT count(*) FROM articles")) == 3


def test_empty_query_asks_for_words(library, client):
    assert search("", utcnow()) == [] and search("   the and ", utcnow()) == []
    assert "Please type a word" in page_text(client.get("/search?q=the"))
    assert "What are you looking for?" in page_text(client.get("/search"))


def test_results_page_links_each_hit(library, client):
    response = client.get("/search?q=hand")
    html = response.get_data(as_text=True)
    assert 'href="/articles/hands"' in html and 'href="/products/grip"' in html
    assert "We found 2 results" in page_text(response)
    assert "Nothing matched" in page_text(client.get("/search?q=qwertyuiop"))


def test_index_follows_edits_and_deletes(library):
    from shop.content.models import Article

    article = db.session.scalar(db.select(Article).where(Article.slug == "hands"))
    article.body = "Now about balance."
    db.session.commit()
    assert "hands" not in _slugs(search("exercise", utcnow()))
    assert _slugs(search("balance", utcnow())) == ["hands"]
    db.session.delete(article)
    db.session.commit()
    assert search("balance", utcnow()) == []


def test_search_terms_drop_stop_words_and_syntax():
    assert search_terms('Does "magnesium" help? NEAR(stroke*)') == ["magnesium", "help", "near", "stroke"]
