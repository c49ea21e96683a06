"""The signed tokens in the links we send shoppers: no login, and nothing to guess.

An order page token is the order number signed with the app's SECRET_KEY (itsdangerous,
its own salt): it opens `/orders/<number>` and its receipt, and nothing else. A download
token signs (download link id, order line id, order number): it works only on that line's
download address of that order. Neither expires by itself; a download link's own row in
the database says when it stops working and how often it may still be used. Changing the
SECRET_KEY invalidates every link sent so far.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

ORDER_PAGE_SALT = "shop.orders.page"
DOWNLOAD_SALT = "shop.orders.download"
# Far longer than any token we make; anything longer is not worth checking.
MAX_TOKEN_LENGTH = 200


def _signer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=salt)


def _loads(salt: str, token: str | None) -> Any:
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    try:
        return _signer(salt).loads(token)
    except BadSignature:
        return None


def order_page_token(number: str) -> str:
    return _signer(ORDER_PAGE_SALT).dumps(number)


def opens_order(number: str, token: str | None) -> bool:
    """Whether `token` is this order's page token."""
    return _loads(ORDER_PAGE_SALT, token) == number


def download_token(link_id: int, line_id: int, number: str) -> str:
    return _signer(DOWNLOAD_SALT).dumps([link_id, line_id, number])


def download_link_id(number: str, line_id: int, token: str | None) -> int | None:
    """The download link `token` names, when it was made for this line of this order."""
    value = _loads(DOWNLOAD_SALT, token)
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], int)):
        return None
    link_id, signed_line, signed_number = value
    if signed_line != line_id or signed_number != number:
        return None
    return link_id
