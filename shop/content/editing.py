"""Writing articles in the staff area: drafts, references, a private preview link, the
checks before publishing, publishing now or at a time, taking off the site; and the
authors and categories articles are filed under.

Every change is one transaction with its audit row. The Markdown is rendered when it is
saved (the article's stored HTML); the public page and the preview fill in the product
cards and reference markers the same way (shop/content/rendering.py). Nothing readers
have seen is ever deleted: a published article is taken off the site instead.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import BinaryIO

from flask_sqlalchemy.pagination import Pagination
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.audit.services import Actor, changed_fields, record_change
from shop.catalog.models import Product
from shop.catalog.services import active_products_by_slug
from shop.content.models import (
    Article,
    ArticleCategory,
    ArticleProduct,
    ArticleReference,
    ArticleStatus,
    Author,
    RelatedArticle,
)
from shop.content.rendering import product_slugs_in
from shop.content.services import MEDICAL_REVIEW_EVERY
from shop.database import utcnow, write_transaction
from shop.errors import Conflict, FieldRefused, NotFound
from shop.extensions import db
from shop.media.services import kept_only_if_saved, prepare_image, save_image

ARTICLES_PER_PAGE = 25
PREVIEW_LINK_DAYS = 30
_PREVIEW_SALT = "shop.content.preview"
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,158}[a-z0-9])?")
_MARKER = re.compile(r"\[\[ref:(\d{1,3})\]\]")
_IMAGE_WITHOUT_ALT = re.compile(r"!\[\s*\]\(")
_DOI = re.compile(r"10\.\d{4,9}/\S{1,180}")
_PMID = re.compile(r"\d{1,9}")


class ArticleMissing(NotFound):
    def __init__(self) -> None:
        super().__init__("We can't find that article. It may have been deleted while it was still a draft.")


# ---------------------------------------------------------------- what staff send

@dataclass(frozen=True)
class ReferenceDraft:
    title: str
    authors: str = ""
    source: str = ""  # the journal or publisher
    year: int | None = None
    doi: str = ""
    pmid: str = ""
    url: str = ""


@dataclass(frozen=True)
class ArticleDraft:
    """An article's fields as staff typed them, already cleaned by the form."""

    title: str
    slug: str
    summary: str
    body: str
    author_id: int
    safety_note: str = ""
    reviewer_id: int | None = None
    reviewed_on: date | None = None
    hero_image_alt: str = ""
    category_ids: Sequence[int] = ()
    featured_product_ids: Sequence[int] = ()
    related_article_ids: Sequence[int] = ()
    references: Sequence[ReferenceDraft] = field(default_factory=tuple)
    content_updated: bool = False  # "readers should see an Updated date"


def check_references(body: str, references: Sequence[ReferenceDraft]) -> None:
    """Every [[ref:n]] in the body must have a reference n, before anything is saved."""
    missing = sorted({int(n) for n in _MARKER.findall(body or "") if not 1 <= int(n) <= len(references)})
    if missing:
        numbers = ", ".join(f"[[ref:{n}]]" for n in missing)
        raise FieldRefused("body", f"The text cites {numbers}, but the list has only {len(references)} "
                                   f"reference{'s' if len(references) != 1 else ''}. Add it, or fix the number.")
    for position, reference in enumerate(references, start=1):
        if reference.doi and not _DOI.fullmatch(reference.doi):
            raise FieldRefused("references", f"Reference {position}: a DOI looks like 10.1000/xyz123.")
        if reference.pmid and not _PMID.fullmatch(reference.pmid):
            raise FieldRefused("references", f"Reference {position}: a PubMed ID is a number, such as 18230848.")
        if reference.url and not reference.url.startswith(("https://", "http://")):
            raise FieldRefused("references", f"Reference {position}: a web address starts with https://.")


def _check_slug(slug: str, article_id: int | None) -> None:
    if not _SLUG.fullmatch(slug):
        raise FieldRefused("slug", "Use small letters, numbers and hyphens only, such as hand-exercises-at-home.")
    taken = db.session.scalar(select(Article.id).where(Article.slug == slug, Article.id != (article_id or 0)))
    if taken is not None:
        raise FieldRefused("slug", "Another article already has this address. Please choose another.")


def _apply(article: Article, draft: ArticleDraft) -> None:
    """Copy a draft onto an article in the session (lists replaced in the order given)."""
    check_references(draft.body, draft.references)
    article.title, article.slug, article.summary = draft.title, draft.slug, draft.summary
    article.body, article.safety_note = draft.body, draft.safety_note
    article.author_id, article.reviewer_id, article.reviewed_on = draft.author_id, draft.reviewer_id, draft.reviewed_on
    article.hero_image_alt = draft.hero_image_alt
    categories = {c.id: c for c in db.session.scalars(select(ArticleCategory).where(
        ArticleCategory.id.in_(list(draft.category_ids))))}
    article.categories = [categories[i] for i in draft.category_ids if i in categories]
    article.featured_links = [ArticleProduct(product_id=product_id, position=i)
                              for i, product_id in enumerate(dict.fromkeys(draft.featured_product_ids))]
    article.related_links = [RelatedArticle(related_id=related_id, position=i)
                             for i, related_id in enumerate(dict.fromkeys(draft.related_article_ids))
                             if related_id != article.id]
    article.references = [ArticleReference(position=i, title=r.title, authors=r.authors, source=r.source, year=r.year,
                                           doi=r.doi, pmid=r.pmid, url=r.url)
                          for i, r in enumerate(draft.references)]
    if draft.content_updated and article.was_ever_public:
        article.content_updated_at = utcnow()


def _snapshot(article: Article) -> dict[str, object]:
    return {"title": article.title, "slug": article.slug, "summary": article.summary, "body": article.body,
            "reviewer_id": article.reviewer_id, "reviewed_on": article.reviewed_on,
            "references": len(article.references), "hero_image_alt": article.hero_image_alt}


def _save(article: Article, draft: ArticleDraft, hero: BinaryIO | None, actor: Actor, action: str) -> Article:
    prepared = prepare_image(hero) if hero is not None else None  # slow: before any lock
    with kept_only_if_saved(prepared), write_transaction():
        before = _snapshot(article) if article.id else {}
        if article.id:
            db.session.refresh(article, with_for_update={"of": Article})
        _check_slug(draft.slug, article.id)
        _apply(article, draft)
        if prepared is not None:
            article.hero_image = save_image(prepared)
            article.hero_image_path = None
        if not article.hero_picture and draft.hero_image_alt:
            article.hero_image_alt = ""
        db.session.add(article)
        try:
            db.session.flush()
        except IntegrityError as exc:  # two saves raced for one address
            raise FieldRefused("slug", "Another article already has this address. Please choose another.") from exc
        record_change(actor, action, "article", article.id, label=article.title,
                      changes=changed_fields(before, _snapshot(article)))
    return article


def create_article(draft: ArticleDraft, *, hero: BinaryIO | None = None, actor: Actor) -> Article:
    """A new draft, not on the site. Raises FieldRefused. Transactional."""
    return _save(Article(status=ArticleStatus.DRAFT), draft, hero, actor, "article.created")


def update_article(article_id: int, draft: ArticleDraft, *, hero: BinaryIO | None = None, actor: Actor) -> Article:
    """Save changes; a published article stays published and shows them at once."""
    return _save(article_for_staff(article_id), draft, hero, actor, "article.updated")


def remove_hero_photo(article_id: int, *, actor: Actor) -> None:
    with write_transaction():
        article = _locked(article_id)
        record_change(actor, "article.photo_removed", "article", article.id, label=article.title)
        article.hero_image, article.hero_image_path, article.hero_image_alt = None, None, ""


# ---------------------------------------------------------------- reading, for staff

def list_articles_for_staff(page: int, *, search: str = "", status: ArticleStatus | None = None) -> Pagination:
    query = (select(Article).options(selectinload(Article.author))
             .order_by(Article.updated_at.desc(), Article.id.desc()))
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Article.title).like(pattern, escape="\\"),
                                func.lower(Article.slug).like(pattern, escape="\\")))
    if status is not None:
        query = query.where(Article.status == status)
    return db.paginate(query, page=page, per_page=ARTICLES_PER_PAGE, error_out=False)


def article_for_staff(article_id: int) -> Article:
    article = db.session.scalar(select(Article).where(Article.id == article_id).options(
        selectinload(Article.references), selectinload(Article.categories), selectinload(Article.featured_links),
        selectinload(Article.related_links)))
    if article is None:
        raise ArticleMissing()
    return article


def _locked(article_id: int) -> Article:
    article = db.session.scalar(select(Article).where(Article.id == article_id).with_for_update(of=Article))
    if article is None:
        raise ArticleMissing()
    return article


def choices() -> dict[str, list[tuple[int, str]]]:
    """What an article form offers: authors, categories, active products, other articles."""
    return {
        "authors": [(a.id, a.byline) for a in db.session.scalars(select(Author).order_by(Author.name))],
        "categories": [(c.id, c.name) for c in db.session.scalars(
            select(ArticleCategory).order_by(ArticleCategory.position, ArticleCategory.name))],
        "products": [(p.id, p.name) for p in db.session.scalars(
            Product.select_active().order_by(Product.position, Product.id))],
        "articles": [(a_id, title) for a_id, title in db.session.execute(
            select(Article.id, Article.title).order_by(Article.title))],
    }


# ---------------------------------------------------------------- before publishing

def publishing_warnings(article: Article, now: datetime) -> list[str]:
    """What an editor should look at before readers see the article; each can be accepted."""
    warnings = []
    slugs = product_slugs_in(article.body)
    known = active_products_by_slug(slugs)
    for slug in slugs:
        if slug not in known:
            warnings.append(f"[[product:{slug}]] names no product on sale: readers will see nothing there.")
    cited = {int(n) for n in _MARKER.findall(article.body or "")}
    for n in sorted(cited):
        if n > len(article.references):
            warnings.append(f"[[ref:{n}]] has no reference {n} in the list.")
    for position in range(1, len(article.references) + 1):
        if position not in cited:
            warnings.append(f"Reference {position} is in the list but the text never cites it.")
    if article.reviewer_id is None or article.reviewed_on is None:
        warnings.append("No medical review is recorded: health articles should be checked by a clinician.")
    elif article.reviewed_on < (now - MEDICAL_REVIEW_EVERY).date():
        warnings.append(f"The medical review is more than a year old ({article.reviewed_on:%d %B %Y}).")
    if article.hero_picture and not article.hero_image_alt.strip():
        warnings.append("The photo has no description for people who cannot see it.")
    if _IMAGE_WITHOUT_ALT.search(article.body or ""):
        warnings.append("A picture in the text has no description for people who cannot see it: write it "
                        "between the square brackets, ![like this](…).")
    return warnings


def publish(article_id: int, *, at: datetime | None, now: datetime, actor: Actor) -> Article:
    """Put the article on the site now (at None or in the past), or schedule it for `at`:
    it goes public by itself then, with no job needed. An article published before keeps
    its first publication date when it comes back. Transactional."""
    with write_transaction():
        article = _locked(article_id)
        before = {"status": article.status, "published_at": article.published_at}
        if at is not None and at > now:
            article.status, article.published_at = ArticleStatus.SCHEDULED, at
        else:
            first_time = article.published_at is None or article.status is ArticleStatus.SCHEDULED
            article.status = ArticleStatus.PUBLISHED
            if first_time:
                article.published_at = now
        record_change(actor, "article.published" if article.status is ArticleStatus.PUBLISHED else "article.scheduled",
                      "article", article.id, label=article.title,
                      changes=changed_fields(before, {"status": article.status, "published_at": article.published_at}))
    return article


def unpublish(article_id: int, *, actor: Actor) -> Article:
    """Take an article off the site (it stays in the staff area). A scheduled one goes back
    to being a draft. Transactional."""
    with write_transaction():
        article = _locked(article_id)
        before = article.status
        if article.status is ArticleStatus.SCHEDULED:
            article.status, article.published_at = ArticleStatus.DRAFT, None
        elif article.status is ArticleStatus.PUBLISHED:
            article.status = ArticleStatus.UNPUBLISHED
        else:
            return article
        record_change(actor, "article.unpublished", "article", article.id, label=article.title,
                      changes={"status": (before, article.status)})
    return article


def delete_draft(article_id: int, *, actor: Actor) -> str:
    """Delete an article readers never saw. Raises Conflict for one they did. Transactional."""
    with write_transaction():
        article = _locked(article_id)
        if article.was_ever_public:
            raise Conflict("Readers have seen this article, so it is never deleted. Take it off the site instead.")
        title = article.title
        record_change(actor, "article.deleted", "article", article.id, label=title)
        db.session.delete(article)
    return title


# ---------------------------------------------------------------- a private preview link

def preview_token(article: Article, secret_key: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=_PREVIEW_SALT).dumps(article.id)


def article_for_preview(token: str, secret_key: str) -> Article:
    """The article a reviewer's link is for, whatever its state; ArticleMissing for a link
    that is forged, older than PREVIEW_LINK_DAYS or for a deleted draft."""
    try:
        article_id = URLSafeTimedSerializer(secret_key, salt=_PREVIEW_SALT).loads(
            token, max_age=int(timedelta(days=PREVIEW_LINK_DAYS).total_seconds()))
    except (SignatureExpired, BadData) as exc:
        raise ArticleMissing() from exc
    if not isinstance(article_id, int):
        raise ArticleMissing()
    return article_for_staff(article_id)


# ---------------------------------------------------------------- authors and categories

@dataclass(frozen=True)
class AuthorDraft:
    name: str
    slug: str
    credentials: str = ""
    bio: str = ""
    photo_alt: str = ""


def all_authors() -> list[Author]:
    return list(db.session.scalars(select(Author).order_by(Author.name)))


def author_for_staff(author_id: int) -> Author:
    author = db.session.get(Author, author_id)
    if author is None:
        raise NotFound("We can't find that author.")
    return author


def category_for_staff(category_id: int) -> ArticleCategory:
    category = db.session.get(ArticleCategory, category_id)
    if category is None:
        raise NotFound("We can't find that topic.")
    return category


def _check_unique_slug(model: type, slug: str, own_id: int | None) -> None:
    if not _SLUG.fullmatch(slug):
        raise FieldRefused("slug", "Use small letters, numbers and hyphens only.")
    if db.session.scalar(select(model.id).where(model.slug == slug, model.id != (own_id or 0))) is not None:
        raise FieldRefused("slug", "Another one already has this address. Please choose another.")


def save_author(author_id: int | None, draft: AuthorDraft, *, photo: BinaryIO | None, actor: Actor) -> Author:
    prepared = prepare_image(photo) if photo is not None else None
    with kept_only_if_saved(prepared), write_transaction():
        author = db.session.get(Author, author_id, with_for_update={"of": Author}) if author_id else Author()
        if author is None:
            raise NotFound("We can't find that author.")
        before = {"name": author.name, "credentials": author.credentials, "bio": author.bio} if author_id else {}
        _check_unique_slug(Author, draft.slug, author_id)
        author.name, author.slug, author.credentials, author.bio = draft.name, draft.slug, draft.credentials, draft.bio
        if prepared is not None:
            author.photo, author.photo_path = save_image(prepared), None
        author.photo_alt = draft.photo_alt if (author.photo is not None or author.photo_path) else ""
        db.session.add(author)
        db.session.flush()
        record_change(actor, "author.updated" if author_id else "author.created", "author", author.id,
                      label=author.name, changes=changed_fields(before, {"name": author.name,
                                                                         "credentials": author.credentials,
                                                                         "bio": author.bio}))
    return author


def delete_author(author_id: int, *, actor: Actor) -> str:
    """Only an author with no articles (written or reviewed) may go."""
    with write_transaction():
        author = db.session.get(Author, author_id, with_for_update={"of": Author})
        if author is None:
            raise NotFound("We can't find that author.")
        uses = db.session.scalar(select(func.count(Article.id)).where(
            or_(Article.author_id == author_id, Article.reviewer_id == author_id)))
        if uses:
            raise Conflict(f"{author.name} wrote or reviewed {uses} article{'s' if uses != 1 else ''}, so they stay.")
        name = author.name
        record_change(actor, "author.deleted", "author", author_id, label=name)
        db.session.delete(author)
    return name


@dataclass(frozen=True)
class CategoryDraft:
    name: str
    slug: str
    description: str = ""
    position: int = 0


def save_category(category_id: int | None, draft: CategoryDraft, *, actor: Actor) -> ArticleCategory:
    with write_transaction():
        category = (db.session.get(ArticleCategory, category_id, with_for_update={"of": ArticleCategory})
                    if category_id else ArticleCategory())
        if category is None:
            raise NotFound("We can't find that topic.")
        before = {"name": category.name, "slug": category.slug, "description": category.description} if category_id else {}
        _check_unique_slug(ArticleCategory, draft.slug, category_id)
        category.name, category.slug = draft.name, draft.slug
        category.description, category.position = draft.description, draft.position
        db.session.add(category)
        db.session.flush()
        record_change(actor, "category.updated" if category_id else "category.created", "category", category.id,
                      label=category.name, changes=changed_fields(before, {"name": category.name, "slug": category.slug,
                                                                           "description": category.description}))
    return category


def delete_category(category_id: int, *, actor: Actor) -> str:
    """Only a topic no published article is filed under may go (drafts simply lose it)."""
    with write_transaction():
        category = db.session.get(ArticleCategory, category_id, with_for_update={"of": ArticleCategory})
        if category is None:
            raise NotFound("We can't find that topic.")
        public = db.session.scalar(select(func.count(Article.id)).where(
            Article.categories.any(ArticleCategory.id == category_id), Article.was_public_clause()))
        if public:
            raise Conflict(f"{public} article{'s' if public != 1 else ''} readers have seen "
                           f"{'are' if public != 1 else 'is'} filed under {category.name}, so it stays.")
        name = category.name
        record_change(actor, "category.deleted", "category", category_id, label=name)
        db.session.delete(category)
    return name
