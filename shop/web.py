"""Small rules every blueprint shares, written once: which page of a list was asked for,
where it is safe to send someone back to, and the public address of a page.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Request, abort, current_app, has_request_context, request, url_for
from flask_sqlalchemy.pagination import Pagination

from shop.text import has_control_characters

# Far beyond any list we show; a bigger number is a crawler or a probe, not a reader.
MAX_PAGE = 10_000

P = TypeVar("P", bound=Pagination)
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


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


def field(values: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    """`values.get(name, default)` for a form, the query or the cookies, without the
    exception werkzeug raises and catches inside get() for a name that is not there: on an
    add to cart, the fields and cookie a new visitor does not send cost more than those sent."""
    return values[name] if name in values else default


def cookie_flags() -> dict[str, Any]:
    """The flags of the session cookie (shop/security.py sets them: HttpOnly, SameSite=Lax,
    Secure where the shop is https) for the shop's other cookies, the cart and a notice."""
    config = current_app.config
    return {"httponly": config["SESSION_COOKIE_HTTPONLY"], "samesite": config["SESSION_COOKIE_SAMESITE"],
            "secure": bool(config["SESSION_COOKIE_SECURE"])}


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
    and emails: built from SHOP_BASE_URL, never from the Host header a client controls.
    Works outside a request too (a job such as reconciliation queues emails with links)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["SHOP_BASE_URL"] + path


def absolute_url(path_or_url: str) -> str:
    """A path on this site (/media/…, /static/…) on the public site; a full URL as it is."""
    if path_or_url.startswith(("https://", "http://")):
        return path_or_url
    return current_app.config["SHOP_BASE_URL"] + path_or_url


def static_url(path: str) -> str:
    """A stored image path (under static/) or an absolute URL, as an absolute URL."""
    if path.startswith(("https://", "http://")):
        return path
    return public_url("static", filename=path)


def drawn_once(part: str, key: Hashable, draw: Callable[[], T], limit: int = 1024) -> T:
    """A small part of a page that depends on `key` alone (and this app and the address it
    is served under), drawn once and kept: a photo's addresses, the mini-cart's words. Such
    parts are drawn on every page for a visitor with a cart, where url_for and Jinja cost
    more than the rest of the part. Past `limit` values the part starts afresh. In debug
    (templates reloaded as they are edited) it is drawn every time."""
    if current_app.debug:
        return draw()
    kept: dict[Hashable, Any] = current_app.extensions.setdefault("drawn_once:" + part, {})
    key = (request.script_root if has_request_context() else "", key)
    try:
        return kept[key]
    except KeyError:
        pass
    value = draw()
    if len(kept) >= limit:
        kept.clear()
    kept[key] = value
    return value


def accepts_upload(view: F) -> F:
    """Mark a view that takes a photo upload: its request body may be up to twice
    MEDIA_MAX_BYTES (so a photo just over the limit gets a clear message at its field,
    not a bare 413); every other request keeps MAX_CONTENT_LENGTH."""
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


class ShopRequest(Request):
    """Flask's request, with the per-view body limit of accepts_upload. Decided at
    routing, before any before_request hook (CSRF) reads the body."""

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if self._max_content_length is None and current_app:
            view = current_app.view_functions.get(self.endpoint or "")
            if getattr(view, "accepts_upload", False):
                return 2 * current_app.config["MEDIA_MAX_BYTES"]
        return Request.max_content_length.fget(self)  # type: ignore[attr-defined]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def suggest_slug(text: str, max_length: int = 120) -> str:
    """The web address part a name suggests: "SteadyHand Trainer (2nd ed.)" -> "steadyhand-trainer-2nd-ed"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
