"""Articles, authors and categories."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shop.catalog.models import Product
from shop.content.models import Article, ArticleCategory, ArticleProduct, ArticleReference, ArticleStatus, Author
from shop.database import utcnow
from tests.factories.base import finish, sequence


def make_author(*, commit: bool = True, **fields: Any) -> Author:
    n = next(sequence)
    values = {"slug": f"author-{n}", "name": f"Author {n}", "credentials": "Doctor of Physical Therapy", "bio": "Writes *tests*."}
    values.update(fields)
    return finish(Author(**values), commit)


def make_category(*, commit: bool = True, **fields: Any) -> ArticleCategory:
    n = next(sequence)
    values = {"slug": f"category-{n}", "name": f"Category {n}", "position": n}
    values.update(fields)
    return finish(ArticleCategory(**values), commit)


def make_article(
    *,
    author: Author | None = None,
    categories: list[ArticleCategory] = (),
    references: int = 0,
    products: list[Product] = (),
    published_at: datetime | None | object = ...,
    commit: bool = True,
    **fields: Any,
) -> Article:
    """A published article by default; a draft when given status=DRAFT and published_at=None."""
    n = next(sequence)
    values: dict[str, Any] = {
        "slug": f"article-{n}",
        "title": f"Test article {n}",
        "summary": f"Summary of test article {n}.",
        "body": "Some plain **Markdown** about recovery.",
        "status": ArticleStatus.PUBLISHED,
        "published_at": (utcnow() - timedelta(days=n)) if published_at is ... else published_at,
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
    return finish(article, commit)
