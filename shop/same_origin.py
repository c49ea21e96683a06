"""Cross-site request forgery, refused by where a form comes from rather than by a token
kept in a per-visitor session, so the public pages that carry shoppers' forms (add to cart,
the cart, checkout, the ebook signup, "share your story") need no cookie and can be cached.

Every POST (and other unsafe method) is refused with a 403 when the browser says it comes
from another site:

- `Sec-Fetch-Site` (Fetch Metadata, sent by every current browser) other than
  `same-origin` or `none` (typed or bookmarked), or else
- an `Origin` that is neither the shop's public address (SHOP_BASE_URL) nor the address the
  request was sent to (`null` included: a sandboxed frame or a privacy redirect).

A request with neither header does not come from a current browser's page, so it cannot be
forged by one; our cookies are also SameSite=Lax, so an older browser sends none of them
with another site's POST. Staff forms keep Flask-WTF's token on top of this (their session
exists anyway); views that other servers post to (Stripe's webhook, RFC 8058 one-click
unsubscribe) are marked @other_sites_may_post. Views marked @shopper_form skip the token.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request

from shop.extensions import csrf

F = TypeVar("F", bound=Callable)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
REFUSAL = ("This form came from another website, so we did not act on it. Nothing was changed. "
           "If you meant to do this, please use the buttons on our own pages.")


def shopper_form(view: F) -> F:
    """A form on a public page: protected by the same-origin check alone, no session token."""
    return csrf.exempt(view)


def other_sites_may_post(view: F) -> F:
    """A view other servers post to, with proof of their own (a signature, a signed token)."""
    view.other_sites_may_post = True  # type: ignore[attr-defined]
    return csrf.exempt(view)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def comes_from_this_site() -> bool:
    """What the browser says about where this request comes from: this shop, or nothing."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ALLOWED_FETCH_SITES
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin.lower() in {_origin(current_app.config["SHOP_BASE_URL"]), _origin(request.host_url)}


def refuse_cross_site_posts() -> None:
    if request.method in SAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "other_sites_may_post", False):
        return
    if not comes_from_this_site():
        abort(403, REFUSAL)


def init_same_origin(app: Flask) -> None:
    # First of all before_request hooks: a forged request is refused before anything reads it.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_cross_site_posts)
