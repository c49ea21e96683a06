"""Articles in the staff area: write, preview with the public renderer, check references,
warn before publishing, schedule (public at its time and not before), take off the site,
a reviewer's private link; authors and topics; every change in the audit log."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine
from werkzeug.datastructures import FileStorage

from shop.accounts.models import StaffRole
from shop.audit.models import AuditEntry
from shop.content.models import Article, ArticleCategory, ArticleStatus, Author
from shop.extensions import db
from tests.factories import STAFF_EMAIL, make_article, make_author, make_category, make_product, make_staff
from tests.support.db import fresh
from tests.support.html import dangerous_markup, page_text
from tests.support.images import multipart, photo_bytes
from tests.support.shopper import log_in

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York


@pytest.fixture
def app_config():
    return {"SHOP_TIMEZONE": "America/New_York"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def editor(frozen, client):
    make_staff(role=StaffRole.EDITOR)
    log_in(client, STAFF_EMAIL)
    return client


def article_form(author: Author, **fields) -> dict:
    form = {
        "title": "Hand exercises you can do at a table", "slug": "", "summary": "Five short exercises.",
        "body": "Start slowly.[[ref:1]]\n\n[[product:grip-ball]]\n\nRest between sets.",
        "author": str(author.id), "reviewer": "0",
        "references-0-title": "Guidelines for adult stroke rehabilitation and recovery",
        "references-0-authors": "Winstein CJ and others", "references-0-source": "Stroke",
        "references-0-year": "2016", "references-0-doi": "10.1161/STR.0000000000000098",
        "submit": "1",
    }
    form.update(fields)
    return form


def _article(slug: str) -> Article:
    fresh()
    return db.session.scalar(sa.select(Article).where(Article.slug == slug))


def test_write_preview_schedule_and_it_appears_at_its_time_and_not_before(editor, frozen):
    author = make_author()
    make_product(slug="grip-ball", name="Grip ball")
    form = article_form(author)

    preview = editor.post("/admin/articles/new", data={**form, "preview": "1", "submit": ""})
    assert preview.status_code == 200
    section = re.search(r'<section class="staff-preview".*?</section>', preview.get_data(as_text=True), re.S).group(0)
    assert "Grip ball" in section and "Add to cart" in section and 'href="#ref-1"' in section
    assert _article("hand-exercises-you-can-do-at-a-table") is None  # a preview saves nothing

    saved = editor.post("/admin/articles/new", data=form)
    assert saved.status_code == 303
    article = _article("hand-exercises-you-can-do-at-a-table")
    assert article.status is ArticleStatus.DRAFT and article.references[0].link == "https://doi.org/10.1161/STR.0000000000000098"
    assert editor.get(f"/articles/{article.slug}").status_code == 404

    # 9:00 tomorrow in New York; the missing medical review is warned about first.
    schedule = {"when": "later", "day": "2026-11-21", "time": "09:00"}
    warned = editor.post(f"/admin/articles/{article.id}/publish", data=schedule)
    assert warned.status_code == 409 and "No medical review is recorded" in page_text(warned)
    assert _article(article.slug).status is ArticleStatus.DRAFT
    assert editor.post(f"/admin/articles/{article.id}/publish", data={**schedule, "accept_warnings": "yes"}).status_code == 303
    scheduled = _article(article.slug)
    assert scheduled.status is ArticleStatus.SCHEDULED
    assert scheduled.published_at == datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc)

    frozen.move_to(datetime(2026, 11, 21, 13, 59, tzinfo=timezone.utc))
    assert editor.get(f"/articles/{article.slug}").status_code == 404
    assert "Hand exercises you can do" not in page_text(editor.get("/articles"))
    frozen.move_to(datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc))
    page = editor.get(f"/articles/{article.slug}")
    assert page.status_code == 200 and "Rest between sets." in page_text(page)
    assert "Hand exercises you can do" in page_text(editor.get("/articles"))
    assert f"/articles/{article.slug}" in editor.get("/sitemap.xml").get_data(as_text=True)


def test_publishing_warnings_name_each_problem(editor):
    author, reviewer = make_author(), make_author(name="Dr Reyes")
    article = make_article(author=author, status=ArticleStatus.DRAFT, published_at=None, references=2,
                           reviewer=reviewer, reviewed_on=date(2025, 1, 5), hero_image_alt="",
                           body="Text.[[ref:1]]\n\n[[product:retired-gadget]]\n\n![](https://example.org/x.png)")
    inactive = make_product(slug="switched-off", active=False)
    article.body += f"\n\n[[product:{inactive.slug}]]"
    db.session.commit()
    text = page_text(editor.post(f"/admin/articles/{article.id}/publish", data={"when": "now"}))
    for words in ("[[product:retired-gadget]] names no product on sale", "[[product:switched-off]] names no product",
                  "Reference 2 is in the list but the text never cites it", "more than a year old",
                  "The photo has no description", "A picture in the text has no description"):
        assert words in text, words
    assert _article(article.slug).status is ArticleStatus.DRAFT


def test_an_article_with_nothing_to_warn_about_is_published_at_once(editor, frozen):
    reviewer = make_author(name="Dr Reyes")
    article = make_article(status=ArticleStatus.DRAFT, published_at=None, references=1, reviewer=reviewer,
                           reviewed_on=date(2026, 10, 1), body="Cited once.[[ref:1]]")
    response = editor.post(f"/admin/articles/{article.id}/publish", data={"when": "now"})
    assert response.status_code == 303
    published = _article(article.slug)
    assert published.status is ArticleStatus.PUBLISHED and published.published_at == NOW
    assert editor.get(f"/articles/{article.slug}").status_code == 200


@pytest.mark.parametrize("body, refs, complaint", [
    ("Cites a third.[[ref:3]]", 2, "cites [[ref:3]], but the list has only 2 references"),
    ("Cites one.[[ref:1]]", 0, "cites [[ref:1]], but the list has only 0 references"),
])
def test_markers_are_checked_against_the_references_before_saving(editor, body, refs, complaint):
    author = make_author()
    form = article_form(author, body=body)
    if refs == 0:
        form = {k: v for k, v in form.items() if not k.startswith("references-")}
    else:
        form["references-1-title"] = "A second source"
    response = editor.post("/admin/articles/new", data=form)
    assert response.status_code == 400 and complaint in page_text(response)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 0


@pytest.mark.parametrize("field, value, complaint", [
    ("references-0-doi", "not-a-doi", "a DOI looks like 10.1000/xyz123"),
    ("references-0-pmid", "12ab", "a PubMed ID is a number"),
    ("references-0-url", "javascript:alert(1)", "a web address starts with https://"),
    ("references-0-year", "20166", "Enter a year such as 2016"),
    ("slug", "Bad Slug!", "small letters, numbers and hyphens"),
])
def test_bad_reference_parts_and_addresses_are_refused_at_their_field(editor, field, value, complaint):
    response = editor.post("/admin/articles/new", data=article_form(make_author(), **{field: value}))
    assert response.status_code == 400 and complaint.lower() in page_text(response).lower()


def test_script_never_reaches_the_preview_or_the_page(editor):
    author = make_author()
    body = ("<script>alert(1)</script>\n\n[click](javascript:alert(1)) and "
            "<img src=x onerror=alert(1)> and [data](data:text/html;base64,PHNjcmlwdD4=)")
    preview = editor.post("/admin/articles/new", data={**article_form(author, body=body), "preview": "1", "submit": ""})
    section = re.search(r'<section class="staff-preview".*?</section>', preview.get_data(as_text=True), re.S).group(0)
    assert dangerous_markup(section) == []
    assert editor.post("/admin/articles/new", data=article_form(author, body=body, slug="unsafe")).status_code == 303
    article = _article("unsafe")
    editor.post(f"/admin/articles/{article.id}/publish", data={"when": "now", "accept_warnings": "yes"})
    page = editor.get("/articles/unsafe").get_data(as_text=True)
    body_html = re.search(r'<div class="article-body">.*?</div>', page, re.S).group(0)
    # What was typed shows as text; nothing in it can run.
    assert dangerous_markup(body_html) == [] and "<script" not in body_html and "javascript:" not in re.sub(
        r">[^<]*<", "><", body_html)


def test_a_reviewer_reads_the_draft_by_its_private_link_without_logging_in(editor, app):
    article = make_article(status=ArticleStatus.DRAFT, published_at=None, title="A draft for review")
    page = editor.get(f"/admin/articles/{article.id}/edit").get_data(as_text=True)
    link = re.search(r'http://shop\.test(/articles/preview/[^"<\s]+)', page).group(1)

    reviewer = app.test_client()
    response = reviewer.get(link)
    assert response.status_code == 200 and "A draft for review" in page_text(response)
    assert "Readers cannot see it yet" in page_text(response)
    assert response.headers["Cache-Control"] == "no-store" and "noindex" in response.headers["X-Robots-Tag"]
    assert reviewer.get(link[:-3] + "abc").status_code == 404
    assert reviewer.get(f"/articles/{article.slug}").status_code == 404


def test_taking_off_the_site_keeps_it_and_only_drafts_are_deleted(editor):
    public = make_article(title="On the site")
    draft = make_article(status=ArticleStatus.DRAFT, published_at=None, title="Never shown")
    draft_slug = draft.slug
    assert editor.post(f"/admin/articles/{public.id}/delete").status_code == 409
    assert editor.post(f"/admin/articles/{public.id}/unpublish").status_code == 303
    assert _article(public.slug).status is ArticleStatus.UNPUBLISHED
    assert editor.get(f"/articles/{public.slug}").status_code == 404
    assert editor.post(f"/admin/articles/{public.id}/delete").status_code == 409  # readers saw it once
    assert editor.post(f"/admin/articles/{draft.id}/delete").status_code == 303
    assert _article(draft_slug) is None and _article(public.slug) is not None


def test_editing_a_published_article_shows_at_once_with_an_updated_date_when_asked(editor, frozen):
    author = make_author()
    article = make_article(author=author, body="Old advice.", references=0, published_at=NOW - timedelta(days=40))
    form = article_form(author, title=article.title, slug=article.slug, body="New advice.", content_updated="y")
    form = {k: v for k, v in form.items() if not k.startswith("references-")}
    assert editor.post(f"/admin/articles/{article.id}/edit", data=form).status_code == 303
    page = page_text(editor.get(f"/articles/{article.slug}"))
    assert "New advice." in page and "Old advice." not in page and "Updated 20 November 2026" in page


def test_chosen_related_articles_replace_the_topic_guess(editor):
    topic = make_category()
    article = make_article(categories=[topic], title="Main")
    same_topic = make_article(categories=[topic], title="Same topic")
    chosen = make_article(title="Chosen by the editor")
    form = article_form(article.author, title="Main", slug=article.slug, body="Text.",
                        related_articles=str(chosen.id))
    form = {k: v for k, v in form.items() if not k.startswith("references-")}
    assert editor.post(f"/admin/articles/{article.id}/edit", data=form).status_code == 303
    text = page_text(editor.get(f"/articles/{article.slug}"))
    assert "Chosen by the editor" in text and same_topic.title not in text.split("Rest between")[0][-2000:]


def test_hero_photo_from_the_photo_pipeline(editor):
    author = make_author()
    fields = {**article_form(author, slug="with-photo"), "hero": FileStorage(io.BytesIO(photo_bytes(1600, 900)), "hero.jpg"),
              "hero_image_alt": "A hand on a table"}
    assert editor.post("/admin/articles/new", **multipart(editor, fields)).status_code == 303
    article = _article("with-photo")
    assert article.hero_image is not None and article.hero_image_alt == "A hand on a table"
    editor.post(f"/admin/articles/{article.id}/publish", data={"when": "now", "accept_warnings": "yes"})
    html = editor.get("/articles/with-photo").get_data(as_text=True)
    assert f"/media/{article.hero_image.key}/" in html and 'alt="A hand on a table"' in html


def test_authors_and_topics_have_their_own_screens_and_stay_while_used(editor):
    assert editor.post("/admin/authors/new", data={"name": "Dr Hannah Okafor", "credentials": "DPT",
                                                   "bio": "Writes **plainly**."}).status_code == 303
    fresh()
    author = db.session.scalar(sa.select(Author).where(Author.slug == "dr-hannah-okafor"))
    assert author.credentials == "DPT"
    assert editor.post("/admin/topics/new", data={"name": "Hand and arm", "position": "2"}).status_code == 303
    topic = db.session.scalar(sa.select(ArticleCategory).where(ArticleCategory.slug == "hand-and-arm"))
    used = make_article(author=author, categories=[topic])
    assert editor.post(f"/admin/authors/{author.id}/delete").status_code == 409
    assert editor.post(f"/admin/topics/{topic.id}/delete").status_code == 409
    assert re.search(r"Writes plainly ?\.", page_text(editor.get("/authors/dr-hannah-okafor")))
    assert used.title in page_text(editor.get("/articles/category/hand-and-arm"))
    spare = make_author(name="Spare")
    assert editor.post(f"/admin/authors/{spare.id}/delete").status_code == 303


def test_every_article_change_is_in_the_audit_log(editor):
    author = make_author()
    editor.post("/admin/articles/new", data=article_form(author, slug="audited"))
    article = _article("audited")
    editor.post(f"/admin/articles/{article.id}/publish", data={"when": "now", "accept_warnings": "yes"})
    editor.post(f"/admin/articles/{article.id}/unpublish")
    fresh()
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "article")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["article.created", "article.published", "article.unpublished"]


def test_only_editors_and_the_owner_write_articles(frozen, client):
    make_staff(role=StaffRole.FULFILMENT)
    log_in(client, STAFF_EMAIL)
    assert client.get("/admin/articles").status_code == 403
    assert client.post("/admin/articles/new", data={"title": "x"}).status_code == 403
