"""What search engines and feed readers are told about: sitemap entries and feed entries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from shop.catalog.models import Product
from shop.content import services as content
from shop.content.models import Article
from shop.extensions import db
from shop.policies import services as policies
from shop.testimonials.models import Testimonial
from shop.web import public_url


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: datetime | None = None


def sitemap_urls(now: datetime) -> list[SitemapUrl]:
    """Every public page worth indexing, with when it last changed. Read-only."""
    articles, categories, authors = content.sitemap_entries(now)
    products = db.session.execute(
        Product.select_active().with_only_columns(Product.slug, Product.updated_at).order_by(Product.position, Product.id)
    ).all()
    stories = db.session.execute(
        select(Testimonial.slug, Testimonial.updated_at).where(Testimonial.published.is_(True)).order_by(Testimonial.position)
    ).all()
    newest_article = max((a.last_changed_at for a in articles if a.last_changed_at), default=None)
    urls = [
        SitemapUrl(public_url("storefront.home")),
        SitemapUrl(public_url("catalog.product_list"), max((p.updated_at for p in products), default=None)),
        *(SitemapUrl(public_url("storefront.product_detail", slug=p.slug), p.updated_at) for p in products),
        SitemapUrl(public_url("content.article_list"), newest_article),
        *(SitemapUrl(public_url("storefront.article_detail", slug=a.slug), a.last_changed_at) for a in articles),
        *(SitemapUrl(public_url("content.category_detail", slug=c.slug), c.updated_at) for c in categories),
        *(SitemapUrl(public_url("content.author_detail", slug=a.slug), a.updated_at) for a in authors),
        SitemapUrl(public_url("testimonials.testimonial_list"), max((s.updated_at for s in stories), default=None)),
        *(SitemapUrl(public_url("testimonials.testimonial_detail", slug=s.slug), s.updated_at) for s in stories),
        *(SitemapUrl(public_url("policies.policy_page", slug=slug), updated)
          for slug, updated in policies.sitemap_entries()),
    ]
    return urls


def feed_articles(now: datetime, limit: int = 20) -> list[Article]:
    return list(
        db.session.scalars(
            select(Article).where(Article.is_public(now)).options(joinedload(Article.author))
            .order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)
        )
    )
