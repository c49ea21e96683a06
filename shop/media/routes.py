"""Serving stored variants: /media/<key>/<width>.<webp|jpg>, cached for a year.

A variant's address never changes what it shows (a new upload gets a new key), so the
answer is `immutable`. In production a web server in front (nginx `alias` on MEDIA_ROOT)
or the object store's own address can serve the same paths without Python.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

from shop.media.storage import storage

bp = Blueprint("media", __name__)
YEAR = 365 * 24 * 3600


@bp.get("/media/<key>/<name>")
def variant(key: str, name: str):
    files = storage()
    if not files.exists(key, name):
        abort(404)
    response = send_from_directory(current_app.config["MEDIA_ROOT"], f"{key}/{name}", max_age=YEAR)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
