"""An article body: sanitised Markdown plus our two short directives.

- `[[product:slug]]` on a line of its own becomes a product card (image, price, Add to cart).
  An unknown, inactive or misplaced slug renders nothing and is reported back to the caller,
  who logs it and shows it to staff: a typo in an article must never break the page.
- `[[ref:n]]` anywhere in the text becomes a numbered marker linking to the n-th reference.

Directives are replaced *after* sanitising. They survive Markdown as literal text, and what
we put in their place is built from our own template and integers, never from the source.
The Markdown is rendered when the article is saved (Article.body_html); the directives are
filled in when the page is shown, because a product card shows today's price and stock.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

from shop.catalog.models import Product
from shop.markup import render_markdown

_PRODUCT_SLUG = r"([a-z0-9][a-z0-9-]{0,119})"
_PRODUCT_BLOCK = re.compile(r"<p>\s*\[\[product:" + _PRODUCT_SLUG + r"\]\]\s*</p>")
_PRODUCT_ANYWHERE = re.compile(r"\[\[product:([^\]]{0,200})\]\]")
_REFERENCE = re.compile(r"\[\[ref:(\d{1,3})\]\]")


@dataclass
class RenderedBody:
    html: Markup
    unknown_products: list[str] = field(default_factory=list)
    unknown_references: list[int] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"No active product with the slug “{slug}”" for slug in self.unknown_products] + [
            f"Marker [[ref:{n}]] has no reference number {n}" for n in self.unknown_references
        ]


def product_slugs_in(source: str | None) -> list[str]:
    """Every product slug the body asks for, in order, without repeats."""
    return list(dict.fromkeys(m.group(1).strip() for m in _PRODUCT_ANYWHERE.finditer(source or "")))


def render_article_body(
    source: str | None,
    *,
    products: Mapping[str, Product],
    reference_count: int,
    product_card: Callable[[Product], str],
) -> RenderedBody:
    """Markdown with directives to the page's HTML, in one go (for a body not stored rendered)."""
    return fill_directives(render_markdown(source), products=products, reference_count=reference_count,
                           product_card=product_card)


def fill_directives(
    body_html: Markup,
    *,
    products: Mapping[str, Product],
    reference_count: int,
    product_card: Callable[[Product], str],
) -> RenderedBody:
    """The stored, sanitised HTML of a body with its directives replaced: product cards
    built from `products` as they are now, reference markers numbered."""
    result = RenderedBody(html=Markup(""))
    html = str(body_html)

    def card(match: re.Match[str]) -> str:
        product = products.get(match.group(1))
        if product is None or not product.active:
            result.unknown_products.append(match.group(1))
            return ""
        return str(product_card(product))

    def misplaced(match: re.Match[str]) -> str:
        # Inside a sentence there is no room for a card (and a form may not sit in a <p>).
        result.unknown_products.append(match.group(1))
        return ""

    html = _PRODUCT_BLOCK.sub(card, html)
    html = _PRODUCT_ANYWHERE.sub(misplaced, html)

    seen: dict[int, int] = {}

    def marker(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= reference_count:
            result.unknown_references.append(number)
            return ""
        seen[number] = seen.get(number, 0) + 1
        # The first citation gets the id the reference list links back to.
        anchor = f"cite-{number}" if seen[number] == 1 else f"cite-{number}-{seen[number]}"
        return (
            f'<sup class="ref-marker" id="{anchor}"><a href="#ref-{number}" '
            f'aria-label="Source {number}">[{number}]</a></sup>'
        )

    result.html = Markup(_REFERENCE.sub(marker, html))
    return result
