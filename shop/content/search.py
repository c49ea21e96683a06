"""Site search over articles and products, one function for both databases.

SQLite: an FTS5 table `search_index` kept in step by triggers on `articles` and `products`
(created by migration 0004, and by shop/database.py when tests build the schema from the
models). Its rowid says what a row is: article id * 2, or product id * 2 + 1.

PostgreSQL: weighted tsvectors built in the query and `websearch_to_tsquery`, which
accepts anything a visitor types without raising a syntax error. Our corpus is a few hundred
rows at most; an expression index can come when it is not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.orm import joinedload

from shop.catalog.models import Product
from shop.catalog.services import active_products
from shop.content.models import Article
from shop.extensions import db

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# Words that match almost every page; dropping them makes "does magnesium help" work.
STOP_WORDS = {
    "a", "an", "and", "are", "as", "at", "be", "can", "do", "does", "for", "from", "how", "i", "in",
    "is", "it", "me", "my", "of", "on", "or", "the", "to", "what", "when", "why", "with", "you",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TERM = re.compile(r"\w+", re.UNICODE)

@dataclass(frozen=True)
class SearchHit:
    kind: str  # "article" or "product"
    item: Article | Product

    @property
    def title(self) -> str:
        return self.item.title if isinstance(self.item, Article) else self.item.name


def search_terms(query: str | None) -> list[str]:
    """The words worth searching for, from whatever was typed."""
    cleaned = _CONTROL.sub(" ", (query or "")[:MAX_QUERY_LENGTH]).lower()
    terms = [t for t in _TERM.findall(cleaned) if t not in STOP_WORDS]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def search(query: str | None, now: datetime, limit: int = 20) -> list[SearchHit]:
    """Public articles and active products matching the query, best first.

    Every word must match; if nothing does, any word may. Never raises on odd input.
    """
    terms = search_terms(query)
    if not terms:
        return []
    run = _search_postgresql if db.engine.dialect.name == "postgresql" else _search_sqlite
    hits = run(terms, now, limit, match_all=True)
    if not hits and len(terms) > 1:
        hits = run(terms, now, limit, match_all=False)
    return hits


def _public_articles() -> Select[tuple[Article]]:
    return select(Article).options(joinedload(Article.author))


def _search_sqlite(terms: list[str], now: datetime, limit: int, match_all: bool) -> list[SearchHit]:
    # Each term quoted: FTS5 then reads it as a plain word, never as syntax (NEAR, *, ^, ").
    match = (" " if match_all else " OR ").join(f'"{t}"' for t in terms)
    rows = db.session.execute(
        text(
            "SELECT rowid FROM search_index WHERE search_index MATCH :match "
            "ORDER BY bm25(search_index, 10.0, 4.0, 1.0) LIMIT :candidates"
        ),
        {"match": match, "candidates": limit * 5},
    ).scalars().all()
    article_ids = [r // 2 for r in rows if r % 2 == 0]
    product_ids = [r // 2 for r in rows if r % 2 == 1]
    articles = {a.id: a for a in db.session.scalars(_public_articles().where(Article.id.in_(article_ids), Article.is_public(now)))} if article_ids else {}
    products = {p.id: p for p in db.session.scalars(active_products().where(Product.id.in_(product_ids)))} if product_ids else {}
    hits = []
    for rowid in rows:
        item = articles.get(rowid // 2) if rowid % 2 == 0 else products.get(rowid // 2)
        if item is not None:
            hits.append(SearchHit("article" if rowid % 2 == 0 else "product", item))
    return hits[:limit]


def _weighted(title: Any, summary: Any, body: Any) -> Any:
    return (
        func.setweight(pg.to_tsvector("english", func.coalesce(title, "")), literal_column("'A'"))
        .op("||")(func.setweight(pg.to_tsvector("english", func.coalesce(summary, "")), literal_column("'B'")))
        .op("||")(func.setweight(pg.to_tsvector("english", func.coalesce(body, "")), literal_column("'C'")))
    )


def _search_postgresql(terms: list[str], now: datetime, limit: int, match_all: bool) -> list[SearchHit]:
    if match_all:
        query = pg.websearch_to_tsquery("english", " ".join(terms))
    else:
        # Terms are \w+ only, so joining them with | cannot form other tsquery syntax.
        query = pg.to_tsquery("english", " | ".join(terms))
    article_doc = _weighted(Article.title, Article.summary, Article.body)
    product_doc = _weighted(Product.name, Product.summary, Product.description)
    article_rank = func.ts_rank(article_doc, query).label("rank")
    product_rank = func.ts_rank(product_doc, query).label("rank")
    ranked: list[tuple[float, SearchHit]] = []
    for article, rank in db.session.execute(
        _public_articles().add_columns(article_rank)
        .where(Article.is_public(now), article_doc.op("@@")(query))
        .order_by(article_rank.desc()).limit(limit)
    ).unique():
        ranked.append((rank, SearchHit("article", article)))
    for product, rank in db.session.execute(
        active_products().order_by(None).add_columns(product_rank)
        .where(product_doc.op("@@")(query))
        .order_by(product_rank.desc()).limit(limit)
    ):
        ranked.append((rank, SearchHit("product", product)))
    ranked.sort(key=lambda pair: pair[0], reverse=True)
    return [hit for _, hit in ranked[:limit]]
