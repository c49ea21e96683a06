"""Educational articles: who wrote them, what they are filed under, what they cite, and
which products they feature."""
from __future__ import annotations

import enum
import math
import re
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from shop.caching import PublicContent
from shop.catalog.models import Product
from shop.database import UTCDateTime, enum_column, utcnow
from shop.extensions import db
from shop.markup import StoredMarkdown
from shop.media.models import StoredImage
from shop.media.pictures import Picture, picture_of, static_picture

# An unhurried reader; many of ours read more slowly after a stroke, so we round up.
WORDS_PER_MINUTE = 200
_WORD = re.compile(r"[\w'’-]+")
_DIRECTIVE = re.compile(r"\[\[[a-z]+:[^\]]*\]\]")


class ArticleStatus(str, enum.Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # goes public by itself once published_at has passed
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"  # taken off the site; kept, never deleted once it was public


class Author(PublicContent, StoredMarkdown, db.Model):
    __tablename__ = "authors"
    __markdown__ = {"bio": "bio_html"}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(200), default="")  # "Doctor of Physical Therapy"
    bio: Mapped[str] = mapped_column(Text, default="")  # Markdown
    bio_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised when saved
    photo_path: Mapped[str | None] = mapped_column(String(300))  # a picture shipped under static/
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id", ondelete="SET NULL"), index=True)
    photo_alt: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    photo: Mapped[StoredImage | None] = relationship(lazy="joined")

    @property
    def byline(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def picture(self) -> Picture | None:
        if self.photo is not None:
            return picture_of(self.photo)
        return static_picture(self.photo_path, 240, 240) if self.photo_path else None


class ArticleCategory(PublicContent, db.Model):
    __tablename__ = "article_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Tag(PublicContent, db.Model):
    __tablename__ = "article_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))


article_category_links = Table(
    "article_category_links",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("article_categories.id", ondelete="CASCADE"), primary_key=True, index=True),
)

article_tag_links = Table(
    "article_tag_links",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("article_tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Article(PublicContent, StoredMarkdown, db.Model):
    __tablename__ = "articles"
    # The directives stay in the stored HTML as text: product cards show today's price and
    # stock, so they are filled in when the page is shown (shop/content/rendering.py).
    __markdown__ = {"body": "body_html"}
    __table_args__ = (Index("ix_articles_status_published_at", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")  # also the meta description
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown with [[product:slug]] and [[ref:n]]
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised when saved
    hero_image_path: Mapped[str | None] = mapped_column(String(300))  # a picture shipped under static/
    hero_image_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id", ondelete="SET NULL"), index=True)
    hero_image_alt: Mapped[str] = mapped_column(String(300), default="")
    # Shown above the body when an article touches medicines: which interactions to ask about.
    safety_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ArticleStatus] = mapped_column(
        enum_column(ArticleStatus),
        default=ArticleStatus.DRAFT,
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What readers see as "Updated": set by staff when the content changes, not on every save.
    content_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="RESTRICT"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id", ondelete="SET NULL"), index=True)
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[Author] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[Author | None] = relationship(foreign_keys=[reviewer_id])
    categories: Mapped[list[ArticleCategory]] = relationship(
        secondary=article_category_links, order_by=ArticleCategory.position
    )
    tags: Mapped[list[Tag]] = relationship(secondary=article_tag_links, order_by=Tag.name)
    references: Mapped[list[ArticleReference]] = relationship(
        back_populates="article", order_by="ArticleReference.position", cascade="all, delete-orphan"
    )
    featured_links: Mapped[list[ArticleProduct]] = relationship(
        back_populates="article", order_by="ArticleProduct.position", cascade="all, delete-orphan"
    )
    related_links: Mapped[list[RelatedArticle]] = relationship(
        foreign_keys="RelatedArticle.article_id", order_by="RelatedArticle.position", cascade="all, delete-orphan"
    )
    hero_image: Mapped[StoredImage | None] = relationship(lazy="joined")

    HERO_STATIC_SIZE = (1200, 675)

    @property
    def hero_picture(self) -> Picture | None:
        """The photo above the article: one staff uploaded, else one shipped with the shop."""
        if self.hero_image is not None:
            return picture_of(self.hero_image)
        return static_picture(self.hero_image_path, *self.HERO_STATIC_SIZE) if self.hero_image_path else None

    @property
    def was_ever_public(self) -> bool:
        """Once readers could see it, it is never deleted, only taken off the site."""
        return self.published_at is not None and self.status is not ArticleStatus.DRAFT

    @classmethod
    def was_public_clause(cls) -> ColumnElement[bool]:
        """In SQL: published, scheduled or taken off the site (a scheduled article may be
        public already; the safe side is to keep it)."""
        return and_(cls.published_at.is_not(None), cls.status != ArticleStatus.DRAFT)

    @classmethod
    def is_public(cls, now: datetime) -> ColumnElement[bool]:
        """Published, or scheduled for a moment that has passed. Drafts never are."""
        return and_(
            or_(cls.status == ArticleStatus.PUBLISHED, cls.status == ArticleStatus.SCHEDULED),
            cls.published_at.is_not(None),
            cls.published_at <= now,
        )

    @property
    def reading_minutes(self) -> int:
        words = len(_WORD.findall(_DIRECTIVE.sub(" ", self.body or "")))
        return max(1, math.ceil(words / WORDS_PER_MINUTE))

    @property
    def last_changed_at(self) -> datetime | None:
        return self.content_updated_at or self.published_at

    @property
    def shows_updated_date(self) -> bool:
        return bool(
            self.content_updated_at and self.published_at
            and self.content_updated_at.date() > self.published_at.date()
        )

    @property
    def featured_products(self) -> list[Product]:
        return [link.product for link in self.featured_links if link.product.active]

    @property
    def main_category(self) -> ArticleCategory | None:
        return self.categories[0] if self.categories else None

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


class ArticleReference(PublicContent, db.Model):
    """One numbered source; `[[ref:n]]` in the body links to the n-th by position."""

    __tablename__ = "article_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    authors: Mapped[str] = mapped_column(String(400), default="")  # "Kleim JA, Jones TA"
    title: Mapped[str] = mapped_column(String(400))
    source: Mapped[str] = mapped_column(String(200), default="")  # the journal or publisher
    year: Mapped[int | None]
    doi: Mapped[str] = mapped_column(String(200), default="")  # "10.1044/1092-4388(2008/018)"
    pmid: Mapped[str] = mapped_column(String(12), default="")  # PubMed's number
    url: Mapped[str] = mapped_column(String(1000), default="")

    article: Mapped[Article] = relationship(back_populates="references")

    @property
    def link(self) -> str | None:
        """Where a reader can find it: the URL given (only a web address: a typo'd
        `javascript:` never becomes a link), else the DOI's or PubMed's own page."""
        if self.url.startswith(("https://", "http://")):
            return self.url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return None


class ArticleProduct(PublicContent, db.Model):
    """A product an article features in its "products in this article" list."""

    __tablename__ = "article_products"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)

    article: Mapped[Article] = relationship(back_populates="featured_links")
    product: Mapped[Product] = relationship()


class RelatedArticle(db.Model):
    """An article staff chose to show below another ("Read next"), in their order."""

    __tablename__ = "article_related"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    related_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)

    related: Mapped[Article] = relationship(foreign_keys=[related_id])
