"""The signed cookie that ties a browser to its cart."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, Signer, URLSafeSerializer

from shop.web import cookie_flags, field

COOKIE_NAME = "cart"
# The cookie is the token and its signature ("<token>.<signature>"): a token is already
# URL-safe text, so it needs no JSON, compression or base64 around it, which cost as much
# as the signature on every add and every page a visitor with a cart sees. Cookies set
# before were JSON signed under the older salt; they are still read, until they are renewed.
SALT = "shop.cart.token"
EARLIER_SALT = "shop.cart"


class _KeptKeySigner(Signer):
    """A Signer that derives its key from the secret once, not on every signature: the key
    is a pure function of the secret and the salt."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        wanted = _key_bytes(secret_key) if secret_key is not None else None
        key = self._derived.get(wanted)
        if key is None:
            key = self._derived[wanted] = super().derive_key(secret_key)
        return key


def _signers() -> tuple[Signer, URLSafeSerializer]:
    # Made once per app: every request of a visitor with a cart reads the cookie.
    kept = current_app.extensions.get("cart_signer")
    if kept is None or kept[0] != current_app.secret_key:
        kept = current_app.extensions["cart_signer"] = (
            current_app.secret_key,
            _KeptKeySigner(current_app.secret_key, salt=SALT),
            URLSafeSerializer(current_app.secret_key, salt=EARLIER_SALT),
        )
    return kept[1], kept[2]


def _key_bytes(key: str | bytes) -> bytes:
    return key.encode() if isinstance(key, str) else key


def token_from_cookie(raw: str) -> str | None:
    """The cart token in a cookie's value; None when tampered with (needs an app context)."""
    signer, earlier = _signers()
    try:
        return signer.unsign(raw).decode()
    except (BadSignature, UnicodeDecodeError):
        pass
    try:
        value = earlier.loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def current_cart_token() -> str | None:
    """The cart token from this request's cookie; None when absent or tampered with."""
    if "cart_token" not in g:
        raw = field(request.cookies, COOKIE_NAME)
        g.cart_token = token_from_cookie(raw) if raw else None
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
        _signers()[0].sign(token).decode(),
        max_age=int(timedelta(days=current_app.config["CART_COOKIE_DAYS"]).total_seconds()),
        **cookie_flags(),
    )
    return response
