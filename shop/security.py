"""What every request and response passes through, set up once by `register_security(app)`.

- Input: control characters in the path, the query or a form field are refused here, once,
  with a 400 in plain words (shop/text.py says what counts and why). A number in a path
  (<int:...>) above what the database's INTEGER holds matches no route: a 404.
- Hosts: TRUSTED_HOSTS comes from SHOP_BASE_URL, so a forged Host header is a 400 before
  any view, redirect or link could use it.
- Headers on every response: a Content-Security-Policy with no inline script or style
  (our pages need neither), no framing, no MIME sniffing, a strict referrer policy,
  browser features the shop does not use turned off, and HSTS when the shop is on https.
  Pages that show an order, an address or the staff area are `no-store` (see `no_store`).
- Cookies: SameSite=Lax on all of them, Secure whenever the shop's address is https.
- Client addresses: behind PROXY_COUNT proxies, X-Forwarded-For and -Proto are read from
  them (ProxyFix), so rate limits count each visitor, not the proxy; with 0, never.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, make_response, request
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from shop.errors import ShopError
from shop.extensions import limiter
from shop.text import has_control_characters

F = TypeVar("F", bound=Callable[..., Any])

# Where Stripe Checkout's hosted page lives: the browser is sent there after POST /checkout,
# and Chromium applies form-action to the redirect after a form is sent.
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
# The privacy-mode players a story's video plays from (shop/testimonials/video.py).
VIDEO_PLAYERS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "bluetooth", "browsing-topics", "camera", "display-capture", "geolocation",
    "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment", "serial", "usb",
))


class ControlCharacters(ShopError):
    """The request carries characters no person types (NUL, escape codes)."""

    def __init__(self) -> None:
        super().__init__("Some of what was sent has characters we can't accept, such as invisible control "
                         "codes. Please type it again without copying and pasting. Nothing was changed.")


def refuse_control_characters() -> None:
    """Paths and queries are single-line; form fields may be multi-line (a story, a note),
    so tab, CR and LF are allowed there and every other control character is not."""
    if has_control_characters(request.path) or any(
        has_control_characters(key) or has_control_characters(value) for key, value in request.args.items(multi=True)
    ):
        raise ControlCharacters()
    if request.method == "POST" and any(
        has_control_characters(key) or has_control_characters(value, multiline=True)
        for key, value in request.form.items(multi=True)
    ):
        raise ControlCharacters()


class DatabaseInteger(IntegerConverter):
    """<int:...> in every route: a whole number the database's INTEGER column can hold
    (PostgreSQL's is 32-bit). Found by fuzzing: /admin/stories/9223372036854775808/publish
    reached the query and failed there (a 500 on both databases)."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(stripe_api_base: str) -> str:
    checkout_pages = {STRIPE_CHECKOUT_ORIGIN, origin_of(stripe_api_base)}  # the stand-in serves its own page
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],  # JSON-LD blocks are data, not script: the browser never runs them
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],  # product photos may be on a CDN
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": list(VIDEO_PLAYERS),
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", *sorted(checkout_pages)],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(app: Flask) -> list[tuple[str, str]]:
    """The headers every response carries (a page may ask for a stricter Referrer-Policy)."""
    headers = [
        ("Content-Security-Policy", content_security_policy(app.config["STRIPE_API_BASE"])),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    if app.config["SHOP_BASE_URL"].startswith("https://"):
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def add_security_headers(app: Flask) -> Callable[[Response], Response]:
    every_response = security_headers(app)

    def headers(response: Response) -> Response:
        for name, value in every_response:
            if name == "Referrer-Policy":
                # A page may ask for less (the order page, whose address holds its token: no-referrer).
                response.headers.setdefault(name, value)
            else:
                response.headers[name] = value
        return response

    return headers


def no_store(view: F) -> F:
    """For pages that show an order or an address: no copy in any cache, the browser's
    included (a shared computer's Back button must not show someone's address)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped  # type: ignore[return-value]


def trusted_hosts(config: dict[str, Any]) -> list[str]:
    """The hosts this shop answers to: TRUSTED_HOSTS when set, else the base URL's host."""
    configured = config.get("TRUSTED_HOSTS")
    if configured:
        return list(configured)
    hosts = [urlsplit(config["SHOP_BASE_URL"]).hostname or "localhost"]
    if config.get("DEBUG"):  # `flask run` on this machine answers to either name
        hosts += [host for host in ("127.0.0.1", "localhost") if host not in hosts]
    return hosts


def refuse_untrusted_host(error: SecurityError) -> Response:
    """A Host header the shop does not answer to. Plain text: no link or address of ours
    can be built for a host we do not trust, and none is needed."""
    return Response("This shop does not answer to that address.\n", 400, mimetype="text/plain")


def rate_limits_available() -> bool:
    """Whether the shared rate-limit store (Redis) answers. Routes whose limits must not
    fail open (staff login) refuse while it does not."""
    return bool(limiter.storage.check())


def register_security(app: Flask) -> None:
    """Before any blueprint is registered: the routes' <int:...> use DatabaseInteger."""
    app.url_map.converters["int"] = DatabaseInteger
    config = app.config
    config["TRUSTED_HOSTS"] = trusted_hosts(config)
    https = config["SHOP_BASE_URL"].startswith("https://")
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = https
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["SESSION_COOKIE_SAMESITE"] = config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_HTTPONLY"] = config["REMEMBER_COOKIE_HTTPONLY"] = True
    if proxies := config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.register_error_handler(SecurityError, refuse_untrusted_host)
    app.before_request(refuse_control_characters)
    app.after_request(add_security_headers(app))
