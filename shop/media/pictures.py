"""A stored photo as a page shows it: ready values for <picture>/<img srcset>."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from shop.media.models import StoredImage, height_at
from shop.web import drawn_once

# The variant an <img src> falls back to when a browser ignores srcset.
FALLBACK_WIDTH = 800


@dataclass(frozen=True)
class Picture:
    """Ready values for <picture>/<img>: the fallback src, both srcsets, and the size that
    reserves the photo's space before it loads (no layout shift)."""

    src: str
    width: int
    height: int
    jpeg_srcset: str = ""
    webp_srcset: str = ""
    largest_url: str = ""  # for JSON-LD and social cards


def variant_url(key: str, width: int, extension: str) -> str:
    return url_for("media.variant", key=key, name=f"{width}.{extension}")


def picture_of(image: StoredImage) -> Picture:
    return stored_picture(image.key, image.width, image.height, image.widths)


def stored_picture(key: str, width: int, height: int, widths: list[int]) -> Picture:
    """A stored photo's picture from its columns alone (a plain query's row: no object)."""
    return drawn_once("stored picture", (key, width, height, tuple(widths)),
                      lambda: _stored_picture(key, width, height, widths))


def _stored_picture(key: str, width: int, height: int, widths: list[int]) -> Picture:
    fallback = max([w for w in widths if w <= FALLBACK_WIDTH] or widths[:1])
    return Picture(
        src=variant_url(key, fallback, "jpg"),
        width=fallback,
        height=height_at(width, height, fallback),
        jpeg_srcset=", ".join(f"{variant_url(key, w, 'jpg')} {w}w" for w in widths),
        webp_srcset=", ".join(f"{variant_url(key, w, 'webp')} {w}w" for w in widths),
        largest_url=variant_url(key, widths[-1], "jpg"),
    )


def static_picture(path: str, width: int, height: int) -> Picture:
    """A picture shipped with the shop (under static/), or at an absolute URL."""
    def draw() -> Picture:
        src = path if path.startswith(("https://", "http://")) else url_for("static", filename=path)
        return Picture(src=src, width=width, height=height, largest_url=src)

    return drawn_once("static picture", (path, width, height), draw)
