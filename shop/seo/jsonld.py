"""schema.org JSON-LD for search engines, built as plain dicts and written safely.

Deliberately absent: Review and AggregateRating. Our testimonials are hand-picked, and
search engines treat ratings a shop publishes about itself as self-serving markup.
"""
from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from shop.catalog.models import Product
from shop.content.models import Article, Author
from shop.money import ZERO_DECIMAL
from shop.web import absolute_url, public_url, static_url

SCHEMA = "https://schema.org"
Crumbs = list[tuple[str, str]]  # (name, absolute URL), home first


def script_tag(*documents: dict[str, Any]) -> Markup:
    """`<script type="application/ld+json">` blocks. `<`, `>` and `&` are escaped as JSON
    unicode escapes, so text from the database can never close the script element."""
    tags = []
    for document in documents:
        payload = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        tags.append(f'<script type="application/ld+json">{payload}</script>')
    return Markup("\n".join(tags))


def decimal_price(cents: int, currency: str) -> str:
    """Integer minor units as schema.org wants a price: "299.00" (no symbol, no float)."""
    if currency.lower() in ZERO_DECIMAL:
        return str(cents)
    whole, minor = divmod(cents, 100)
    return f"{whole}.{minor:02d}"


def organization(name: str, email: str) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "Organization",
        "@id": public_url("storefront.home") + "#organization",
        "name": name,
        "url": public_url("storefront.home"),
        "logo": static_url("img/favicon.svg"),
        "contactPoint": {"@type": "ContactPoint", "contactType": "customer service", "email": email},
    }


def website(name: str) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": name,
        "url": public_url("storefront.home"),
        "publisher": {"@id": public_url("storefront.home") + "#organization"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": public_url("content.search") + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }


def product(item: Product, currency: str, shop_name: str) -> dict[str, Any]:
    url = public_url("storefront.product_detail", slug=item.slug)
    return {
        "@context": SCHEMA,
        "@type": "Product",
        "name": item.name,
        "description": item.summary,
        "sku": item.sku,
        "url": url,
        "image": [absolute_url(image.picture.largest_url) for image in item.images],
        "brand": {"@type": "Brand", "name": shop_name},
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": decimal_price(item.price_cents, currency),
            "priceCurrency": currency.upper(),
            "availability": f"{SCHEMA}/InStock" if item.in_stock else f"{SCHEMA}/OutOfStock",
            "itemCondition": f"{SCHEMA}/NewCondition",
        },
    }


def person(author: Author) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Person", "name": author.name, "url": public_url("content.author_detail", slug=author.slug)}
    if author.credentials:
        data["jobTitle"] = author.credentials
    return data


def article(item: Article, shop_name: str) -> dict[str, Any]:
    url = public_url("storefront.article_detail", slug=item.slug)
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Article",
        "headline": item.title[:110],
        "description": item.summary,
        "url": url,
        "mainEntityOfPage": url,
        "author": person(item.author),
        "publisher": {"@type": "Organization", "name": shop_name, "logo": {"@type": "ImageObject", "url": static_url("img/favicon.svg")}},
        "datePublished": item.published_at.isoformat() if item.published_at else None,
        "dateModified": (item.last_changed_at or item.published_at).isoformat() if item.published_at else None,
        "articleSection": [c.name for c in item.categories],
        "keywords": [t.name for t in item.tags],
        "citation": [r.link for r in item.references if r.link],
    }
    if item.hero_picture is not None:
        data["image"] = absolute_url(item.hero_picture.largest_url)
    if item.reviewer is not None:
        # schema.org keeps reviewedBy on the page, not the article, so the page is spelled out.
        page: dict[str, Any] = {"@type": "WebPage", "@id": url, "reviewedBy": person(item.reviewer)}
        if item.reviewed_on:
            page["lastReviewed"] = item.reviewed_on.isoformat()
        data["mainEntityOfPage"] = page
    return data


def breadcrumb_list(crumbs: Crumbs) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url} for i, (name, url) in enumerate(crumbs, start=1)
        ],
    }
