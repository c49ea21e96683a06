"""One-time notices with fixed words ("Added to your cart."), carried to the next page in a
cookie that names the notice, beside Flask's flash messages, which stay for words that vary.

Why not flash: flash keeps its messages in the signed session cookie, and serialising and
signing that cookie was about a sixth of a new visitor's add to cart, the shop's busiest
write. A notice's cookie holds a name from NOTICES and nothing else: there is nothing to
sign, because a forged name can only show its sender one of our own sentences, or nothing
(an unknown name is dropped). Like a flash message, a notice is shown once: the page that
shows it deletes the cookie, and such a page is drawn for its visitor, never kept for others
(shop/caching.py treats the cookie as it treats a session).
"""
from __future__ import annotations

from flask import Flask, g, get_flashed_messages, request
from flask.wrappers import Response

from shop.web import cookie_flags

COOKIE_NAME = "notice"

# name: (category, message). Categories are flash's, so the template shows both alike.
NOTICES = {
    "added": ("success", "Added to your cart."),
    "updated": ("success", "Your cart is updated."),
    "removed": ("success", "Removed from your cart."),
}


def notify(response: Response, name: str) -> Response:
    """Show the notice `name` on the visitor's next page."""
    if name not in NOTICES:
        raise ValueError(f"no notice named {name!r}")
    response.set_cookie(COOKIE_NAME, name, **cookie_flags())
    return response


def has_notice() -> bool:
    """Did the visitor bring a notice cookie (known or not)? Their page is drawn for them."""
    return "HTTP_COOKIE" in request.environ and COOKIE_NAME in request.cookies


def one_time_messages() -> list[tuple[str, str]]:
    """(category, message) pairs to show on this page once: flashed messages, then the
    notice. Read by the page template; reading a notice clears its cookie (_clear_shown)."""
    messages = get_flashed_messages(with_categories=True)
    if has_notice():
        g.notice_read = True
        notice = NOTICES.get(request.cookies[COOKIE_NAME])
        if notice is not None and notice not in messages:
            messages = [*messages, notice]
    return messages


def _clear_shown(response: Response) -> Response:
    if g.get("notice_read"):
        response.delete_cookie(COOKIE_NAME, **cookie_flags())
    return response


def init_notices(app: Flask) -> None:
    app.jinja_env.globals["one_time_messages"] = one_time_messages
    app.after_request(_clear_shown)
