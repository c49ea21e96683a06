"""A stored photo as a page shows it: ready values for <picture>/<img srcset>."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from shop.media.models import StoredImage

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
    fallback = max([w for w in image.widths if w <= FALLBACK_WIDTH] or image.widths[:1])
    largest = image.widths[-1]
    return Picture(
        src=variant_url(image.key, fallback, "jpg"),
        width=fallback,
        height=image.height_at(fallback),
        jpeg_srcset=", ".join(f"{variant_url(image.key, w, 'jpg')} {w}w" for w in image.widths),
        webp_srcset=", ".join(f"{variant_url(image.key, w, 'webp')} {w}w" for w in image.widths),
        largest_url=variant_url(image.key, largest, "jpg"),
    )


def static_picture(path: str, width: int, height: int) -> Picture:
    """A picture shipped with the shop (under static/), or at an absolute URL."""
    src = path if path.startswith(("https://", "http://")) else url_for("static", filename=path)
    return Picture(src=src, width=width, height=height, largest_url=src)
