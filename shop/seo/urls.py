"""Addresses on the public site, for canonical links, sitemaps, feeds and JSON-LD.

Built from SHOP_BASE_URL, never from the request's Host header, which a client controls.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_url(endpoint: str, **values: Any) -> str:
    return current_app.config["SHOP_BASE_URL"] + url_for(endpoint, **values)


def static_url(path: str) -> str:
    """A stored image path (under static/) or an absolute URL, as an absolute URL."""
    if path.startswith(("https://", "http://")):
        return path
    return public_url("static", filename=path)
