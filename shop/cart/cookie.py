"""The signed cookie that ties a browser to its cart."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE_NAME = "cart"


def _signer() -> URLSafeSerializer:
    # Made once per app: every request of a visitor with a cart reads the cookie.
    signer = current_app.extensions.get("cart_signer")
    if signer is None or signer.secret_keys[-1] != _key_bytes(current_app.secret_key):
        signer = current_app.extensions["cart_signer"] = URLSafeSerializer(current_app.secret_key, salt="shop.cart")
    return signer


def _key_bytes(key: str | bytes) -> bytes:
    return key.encode() if isinstance(key, str) else key


def current_cart_token() -> str | None:
    """The cart token from this request's cookie; None when absent or tampered with."""
    if "cart_token" not in g:
        raw = request.cookies.get(COOKIE_NAME)
        token = None
        if raw:
            try:
                value = _signer().loads(raw)
                token = value if isinstance(value, str) else None
            except BadSignature:
                token = None
        g.cart_token = token
    return g.cart_token


def cart_rate_key() -> str:
    """The key of per-cart rate limits: the cart, or the client's address when it has none
    (each cookieless request would otherwise be a new cart)."""
    token = current_cart_token()
    return f"cart:{token}" if token else f"client:{request.remote_addr}"


def remember_cart(response: Response, token: str) -> Response:
    g.cart_token = token
    response.set_cookie(
        COOKIE_NAME,
        _signer().dumps(token),
        max_age=int(timedelta(days=current_app.config["CART_COOKIE_DAYS"]).total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response
