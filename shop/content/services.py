"""Reading articles, categories and authors for the public site.

Only public articles are ever returned (published, or scheduled with a time that has
passed); `now` is passed in so tests and previews can ask about any moment. Every query
loads what its page shows eagerly, so a page's query count does not grow with the content.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.models import Product
from shop.catalog.services import active_product_slugs, active_products_by_slug
from shop.content.models import (
    Article,
    ArticleCategory,
    ArticleProduct,
    ArticleStatus,
    Author,
    article_category_links,
)
from shop.content.rendering import product_slugs_in
from shop.errors import NotFound
from shop.extensions import db


class ArticleNotFound(NotFound):
    """No public article has that slug."""

    def __init__(self, slug: str):
        super().__init__("We can't find that article. It may have moved: try the list of all articles.")
        self.slug = slug


class CategoryNotFound(NotFound):
    def __init__(self, slug: str):
        super().__init__("We can't find that topic. Try the list of all articles.")
        self.slug = slug


class AuthorNotFound(NotFound):
    def __init__(self, slug: str):
        super().__init__("We can't find that author.")
        self.slug = slug


def public_articles(now: datetime) -> Select[tuple[Article]]:
    """Public articles, newest first, with what a list card shows, in one query (joined
    eager loads: SQLAlchemy applies any LIMIT to the articles before joining categories)."""
    return (
        select(Article)
        .where(Article.is_public(now))
        .options(joinedload(Article.author), joinedload(Article.categories))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


def list_articles(now: datetime, page: int, per_page: int, category: ArticleCategory | None = None) -> Pagination:
    query = public_articles(now)
    if category is not None:
        query = query.where(Article.categories.any(ArticleCategory.id == category.id))
    return db.paginate(query, page=page, per_page=per_page, max_per_page=60, error_out=False)


def next_publication(now: datetime) -> datetime | None:
    """When the next scheduled article goes public by itself (pages kept in the page
    cache end then)."""
    return db.session.scalar(
        select(func.min(Article.published_at))
        .where(Article.status == ArticleStatus.SCHEDULED, Article.published_at > now)
    )


def public_article_id(slug: str, now: datetime) -> int | None:
    return db.session.scalar(public_article_id_query(slug, now))


def public_article_id_query(slug: str | ColumnElement, now: datetime | ColumnElement) -> Select[tuple[int]]:
    """The id of the public article with this slug: no row when there is none."""
    return select(Article.id).where(Article.slug == slug, Article.is_public(now))


def latest_articles(now: datetime, limit: int = 3) -> list[Article]:
    return list(db.session.scalars(public_articles(now).limit(limit)).unique())


def all_categories() -> list[ArticleCategory]:
    return list(db.session.scalars(select(ArticleCategory).order_by(ArticleCategory.position, ArticleCategory.name)))


def get_category(slug: str) -> ArticleCategory:
    category = db.session.scalar(select(ArticleCategory).where(ArticleCategory.slug == slug))
    if category is None:
        raise CategoryNotFound(slug)
    return category


@dataclass(frozen=True)
class ArticlePage:
    article: Article
    related: list[Article]
    # Products the body's [[product:slug]] directives name, by slug (unknown ones are absent).
    directive_products: dict[str, Product]


def get_article_page(slug: str, now: datetime, related_limit: int = 3) -> ArticlePage:
    article = db.session.scalars(
        select(Article)
        .where(Article.slug == slug, Article.is_public(now))
        .options(
            joinedload(Article.author),
            joinedload(Article.reviewer),
            joinedload(Article.categories),  # few rows each: one query fewer than a selectin
            selectinload(Article.tags),
            selectinload(Article.references),
            selectinload(Article.related_links),
            selectinload(Article.featured_links).joinedload(ArticleProduct.product).selectinload(Product.images),
        )
    ).unique().one_or_none()
    if article is None:
        raise ArticleNotFound(slug)
    return page_for(article, now, related_limit)


def page_for(article: Article, now: datetime, related_limit: int = 3) -> ArticlePage:
    """What an article's page shows besides the article (also for a draft's preview)."""
    return ArticlePage(article, related_articles(article, now, related_limit), directive_products(article))


def related_articles(article: Article, now: datetime, limit: int = 3) -> list[Article]:
    """The public articles staff chose to show next, in their order; when they chose none,
    the newest public articles sharing a category with this one."""
    chosen = [link.related_id for link in article.related_links]
    if chosen:
        found = {a.id: a for a in db.session.scalars(public_articles(now).where(Article.id.in_(chosen))).unique()}
        return [found[i] for i in chosen if i in found][:limit]
    category_ids = [c.id for c in article.categories]
    if not category_ids:
        return []
    sharing = select(article_category_links.c.article_id).where(article_category_links.c.category_id.in_(category_ids))
    query = public_articles(now).where(Article.id != article.id, Article.id.in_(sharing)).limit(limit)
    return list(db.session.scalars(query).unique())


def directive_products(article: Article) -> dict[str, Product]:
    """The products the body's [[product:slug]] cards show. Usually the article features
    them too, already loaded with their images: only the others cost a query."""
    featured = {product.slug: product for product in article.featured_products}
    slugs = product_slugs_in(article.body)
    found = {slug: featured[slug] for slug in slugs if slug in featured}
    found.update(active_products_by_slug(slug for slug in slugs if slug not in featured))
    return found


def articles_featuring(product_id: int, now: datetime, limit: int = 3) -> list[Article]:
    """Public articles that list this product among their featured products."""
    featuring = select(ArticleProduct.article_id).where(ArticleProduct.product_id == product_id)
    return list(db.session.scalars(public_articles(now).where(Article.id.in_(featuring)).limit(limit)).unique())


@dataclass(frozen=True)
class AuthorPage:
    author: Author
    articles: list[Article]
    reviewed: list[Article]


def get_author_page(slug: str, now: datetime, limit: int = 50) -> AuthorPage:
    author = db.session.scalar(select(Author).where(Author.slug == slug))
    if author is None:
        raise AuthorNotFound(slug)
    written = db.session.scalars(public_articles(now).where(Article.author_id == author.id).limit(limit)).unique()
    reviewed = db.session.scalars(public_articles(now).where(Article.reviewer_id == author.id).limit(limit)).unique()
    return AuthorPage(author, list(written), list(reviewed))


def sitemap_entries(now: datetime) -> tuple[list[Article], list[ArticleCategory], list[Author]]:
    """What the sitemap lists from the content side (without eager loads it does not need)."""
    articles = list(db.session.scalars(select(Article).where(Article.is_public(now)).order_by(Article.published_at.desc())))
    categories = all_categories()
    authors = list(db.session.scalars(select(Author).where(Author.id.in_(select(Article.author_id).where(Article.is_public(now))))))
    return articles, categories, authors


# Health content is checked again by a clinician at least this often.
MEDICAL_REVIEW_EVERY = timedelta(days=365)


def articles_due_for_review(now: datetime, limit: int = 20) -> list[Article]:
    """Public articles whose medical review is older than MEDICAL_REVIEW_EVERY, oldest first."""
    cutoff = (now - MEDICAL_REVIEW_EVERY).date()
    return list(db.session.scalars(
        select(Article).where(Article.is_public(now), Article.reviewed_on.is_not(None), Article.reviewed_on < cutoff)
        .order_by(Article.reviewed_on, Article.id).limit(limit)
    ))


def articles_with_unknown_products() -> dict[str, list[str]]:
    """For staff: article slug -> product slugs its body names that no active product has."""
    known = active_product_slugs()
    report = {}
    for article in db.session.scalars(select(Article).order_by(Article.slug)):
        missing = [s for s in product_slugs_in(article.body) if s not in known]
        if missing:
            report[article.slug] = missing
    return report
