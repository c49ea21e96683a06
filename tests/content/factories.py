"""Builders for content test data. They add to the session and commit unless told not to."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from shop.catalog.models import Product
from shop.content.models import Article, ArticleCategory, ArticleProduct, ArticleReference, ArticleStatus, Author
from shop.database import utcnow
from shop.extensions import db
from shop.testimonials.models import Testimonial

_seq = itertools.count(1)


def _finish(obj: Any, commit: bool) -> Any:
    db.session.add(obj)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return obj


def make_author(*, commit: bool = True, **fields: Any) -> Author:
    n = next(_seq)
    values = {"slug": f"author-{n}", "name": f"Author {n}", "credentials": "Doctor of Physical Therapy", "bio": "Writes *tests*."}
    values.update(fields)
    return _finish(Author(**values), commit)


def make_category(*, commit: bool = True, **fields: Any) -> ArticleCategory:
    n = next(_seq)
    values = {"slug": f"category-{n}", "name": f"Category {n}", "position": n}
    values.update(fields)
    return _finish(ArticleCategory(**values), commit)


def make_article(
    *,
    author: Author | None = None,
    categories: list[ArticleCategory] = (),
    references: int = 0,
    products: list[Product] = (),
    published_at: datetime | None = None,
    commit: bool = True,
    **fields: Any,
) -> Article:
    n = next(_seq)
    values: dict[str, Any] = {
        "slug": f"article-{n}",
        "title": f"Test article {n}",
        "summary": f"Summary of test article {n}.",
        "body": "Some plain **Markdown** about recovery.",
        "status": ArticleStatus.PUBLISHED,
        "published_at": published_at or (utcnow() - timedelta(days=n)),
        "hero_image_path": "img/articles/magnesium.svg",
        "hero_image_alt": "A test picture",
    }
    values.update(fields)
    article = Article(**values)
    article.author = author or make_author(commit=False)
    article.categories = list(categories)
    article.references = [
        ArticleReference(position=i, title=f"Source {i + 1}", source="PubMed", url=f"https://pubmed.example/{i + 1}")
        for i in range(references)
    ]
    article.featured_links = [ArticleProduct(product=p, position=i) for i, p in enumerate(products)]
    return _finish(article, commit)


def make_testimonial(*, product: Product | None = None, commit: bool = True, **fields: Any) -> Testimonial:
    n = next(_seq)
    values: dict[str, Any] = {
        "slug": f"story-{n}",
        "display_name": f"Sam{n}",
        "headline": f"Story headline {n}",
        "quote": "Practice made the difference.",
        "story": "First paragraph.\n\nSecond paragraph.",
        "time_since_stroke": "Two years",
        "published": True,
        "featured": True,
        "position": n,
        "consent_given_at": utcnow(),
        "consent_scope": "website",
        "photo_path": "img/testimonials/maria.svg",
        "photo_alt": "A test photo",
    }
    values.update(fields)
    testimonial = Testimonial(**values)
    testimonial.product = product
    return _finish(testimonial, commit)
