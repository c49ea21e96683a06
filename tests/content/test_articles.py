"""Article, category and author pages."""
from datetime import timedelta

from shop.database import utcnow
from tests.factories import make_article, make_author, make_category
from tests.support.html import page_text


def test_article_list_is_newest_first_and_paginated(app, client):
    author = make_author()
    for days in range(12):
        make_article(title=f"Article aged {days:02d}", published_at=utcnow() - timedelta(days=days + 1), author=author)
    text = page_text(client.get("/articles"))
    assert text.index("Article aged 00") < text.index("Article aged 01") < text.index("Article aged 09")
    assert "Article aged 10" not in text and "Page 1 of 2" in text
    assert "Article aged 11" in page_text(client.get("/articles?page=2"))
    assert client.get("/articles?page=3").status_code == 404
    assert client.get("/articles?page=0").status_code == 404


def test_category_filter(app, client):
    hands, supplements = make_category(name="Hands"), make_category(name="Supplements")
    make_article(title="About hands", categories=[hands])
    make_article(title="About magnesium", categories=[supplements])
    text = page_text(client.get(f"/articles/category/{hands.slug}"))
    assert "About hands" in text and "About magnesium" not in text
    redirect = client.get(f"/articles?category={hands.slug}")
    assert redirect.status_code == 301 and redirect.headers["Location"].endswith(f"/articles/category/{hands.slug}")
    assert client.get("/articles/category/nope").status_code == 404


def test_author_page_lists_written_and_reviewed_articles(app, client):
    author, reviewer = make_author(name="Hannah Writer", bio="Bio with <script>x</script> **bold**"), make_author(name="Sam Reviewer")
    make_article(title="Written by Hannah", author=author, reviewer=reviewer)
    response = client.get(f"/authors/{author.slug}")
    assert "Hannah Writer" in page_text(response) and "Written by Hannah" in page_text(response)
    assert "<strong>bold</strong>" in response.get_data(as_text=True) and "<script>x" not in response.get_data(as_text=True)
    assert "Articles Sam Reviewer reviewed" in page_text(client.get(f"/authors/{reviewer.slug}"))
    assert client.get("/authors/nobody").status_code == 404




def test_content_pages_never_write_to_the_database(seeded, client, count_queries):
    with count_queries() as queries:
        for path in ("/", "/articles", "/articles/does-magnesium-oil-help-stroke-recovery", "/articles/category/hand-and-arm",
                     "/authors/hannah-okafor", "/search?q=hand", "/testimonials", "/testimonials/maria-hand-movement-five-years-on",
                     "/testimonials/submit", "/newsletter", "/sitemap.xml", "/feed.xml", "/robots.txt"):
            assert client.get(path).status_code == 200, path
    writes = [q for q in queries if q.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert queries and writes == []
