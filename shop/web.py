"""Small rules every blueprint shares, written once: which page of a list was asked for,
where it is safe to send someone back to, and the public address of a page.
"""
from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, request, url_for
from flask_sqlalchemy.pagination import Pagination

from shop.text import has_control_characters

# Far beyond any list we show; a bigger number is a crawler or a probe, not a reader.
MAX_PAGE = 10_000

P = TypeVar("P", bound=Pagination)


def requested_page() -> int:
    """The `?page=` of this request: a whole number from 1 to MAX_PAGE, else a 404."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_PAGE)):
        abort(404)
    page = int(raw)
    if not 1 <= page <= MAX_PAGE:
        abort(404)
    return page


def existing_page(pagination: P) -> P:
    """A 404 for a page past the end of the list (page 1 of an empty list is fine)."""
    if pagination.page > 1 and not pagination.items:
        abort(404)
    return pagination


def safe_next_path(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`: never another host, so a
    crafted `?next=` cannot send anyone away (open-redirect guard)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if has_control_characters(target):  # a Referer header is not checked with the rest of the request
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def back_path(default: str) -> str:
    """The page this request came from, when it was a page of this site."""
    referrer = request.referrer
    if not referrer:
        return default
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return default
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next_path(path, default)


def public_url(endpoint: str, **values: Any) -> str:
    """A page's address on the public site, for canonical links, sitemaps, feeds, JSON-LD
    and emails: built from SHOP_BASE_URL, never from the Host header a client controls."""
    return current_app.config["SHOP_BASE_URL"] + url_for(endpoint, **values)


def static_url(path: str) -> str:
    """A stored image path (under static/) or an absolute URL, as an absolute URL."""
    if path.startswith(("https://", "http://")):
        return path
    return public_url("static", filename=path)
