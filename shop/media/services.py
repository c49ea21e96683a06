"""The photo pipeline: check an upload by its content, make the variants, store them, and
describe them for an <img srcset>.

Limits, all refused with words for the person before anything is stored: not a JPEG, PNG
or WebP by its content (whatever its name says); more than MEDIA_MAX_BYTES (10 MB); more
than MEDIA_MAX_PIXELS (40 megapixels) - which is also what stops decompression bombs,
since the size is read from the header before any pixel is decoded. Every variant is
written fresh from the pixels, so no EXIF (location, camera), XMP or comments survive.
"""
from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from shop.errors import ShopError
from shop.extensions import db
from shop.media.models import StoredImage
from shop.media.storage import storage

FORMATS = ("JPEG", "PNG", "WEBP")
VARIANT_WIDTHS = (400, 800, 1600)
# The variant an <img src> falls back to when a browser ignores srcset.
ORIENTATION = 0x0112  # the EXIF tag
JPEG_QUALITY = 82
WEBP_QUALITY = 80


class ImageRefused(ShopError):
    """The upload is not a photo we can use. Nothing was stored or changed."""


@dataclass(frozen=True)
class Variants:
    width: int
    height: int
    files: dict[str, bytes]  # "800.webp" -> bytes


@dataclass(frozen=True)
class PreparedImage:
    key: str  # the folder its variants will live in: random, never reused
    byte_size: int
    variants: Variants


def _limits() -> tuple[int, int]:
    config = current_app.config
    return config["MEDIA_MAX_BYTES"], config["MEDIA_MAX_PIXELS"]


def read_upload(stream: BinaryIO) -> bytes:
    """The upload's bytes, refused past the size limit without reading much further."""
    max_bytes, _ = _limits()
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRefused(f"That photo is larger than {max_bytes // (1024 * 1024)} MB. "
                           "Please make it smaller (for example, save it at a lower quality) and try again.")
    if not data:
        raise ImageRefused("That file is empty. Please choose a photo.")
    return data


def make_variants(data: bytes) -> Variants:
    """Open by content, check the size from the header, then decode and resize. Raises
    ImageRefused for anything that is not a usable JPEG, PNG or WebP."""
    _, max_pixels = _limits()
    not_a_photo = ImageRefused("That file is not a photo we can use. Please choose a JPEG, PNG or WebP photo.")
    too_many_pixels = ImageRefused(f"That photo has more than {max_pixels // 1_000_000} megapixels. "
                                   "Please make it smaller and try again.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns about a huge image; here it is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > max_pixels:  # read from the header: no pixel decoded yet
                raise too_many_pixels
            # EXIF orientations 5-8 turn the photo a quarter: its upright size is the other way round.
            if image.getexif().get(ORIENTATION) in (5, 6, 7, 8):
                width, height = height, width
            if image.format == "JPEG":
                # Decode at a reduced scale when the largest variant needs no more (much faster).
                image.draft("RGB", (max(VARIANT_WIDTHS), max(VARIANT_WIDTHS)))
            image.load()
            image = ImageOps.exif_transpose(image)  # upright, as the camera meant it
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels from exc
    except UnidentifiedImageError as exc:
        raise not_a_photo from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or corrupt
        raise not_a_photo from exc
    pixels = _flatten(image)
    # Pillow carries a comment, an ICC profile and more along in .info and writes some of
    # them back when saving: only the pixels may leave this function.
    pixels.info = {}
    widths = [w for w in VARIANT_WIDTHS if w <= width] or [width]
    files: dict[str, bytes] = {}
    for w in widths:
        h = max(1, round(height * w / width))
        resized = pixels if pixels.size == (w, h) else pixels.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        for name, save in ((f"{w}.jpg", _jpeg), (f"{w}.webp", _webp)):
            out = io.BytesIO()
            save(resized, out)
            files[name] = out.getvalue()
    return Variants(width, height, files)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels only: transparency onto white, palettes and greyscale to colour."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, out: io.BytesIO) -> None:
    # No exif=, icc_profile= or comment: nothing but pixels is written.
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)


def _webp(image: Image.Image, out: io.BytesIO) -> None:
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)


def prepare_image(stream: BinaryIO) -> PreparedImage:
    """Read, check and resize an upload, touching nothing: the slow part, done before the
    caller takes any lock. Raises ImageRefused."""
    data = read_upload(stream)
    return PreparedImage(key=secrets.token_hex(16), byte_size=len(data), variants=make_variants(data))


def save_image(prepared: PreparedImage) -> StoredImage:
    """Write the variants, then add the image's row to the caller's transaction (no
    commit). If that transaction fails, the caller calls discard_files(prepared.key)."""
    files = storage()
    try:
        for name, content in prepared.variants.files.items():
            files.save(prepared.key, name, content)
    except BaseException:
        files.delete(prepared.key)
        raise
    image = StoredImage(key=prepared.key, width=prepared.variants.width, height=prepared.variants.height,
                        byte_size=prepared.byte_size,
                        widths=sorted({int(name.split(".")[0]) for name in prepared.variants.files}))
    db.session.add(image)
    return image


def discard_files(key: str) -> None:
    """Remove a stored image's files: after its row is deleted and committed, or when the
    transaction that would have saved it failed."""
    storage().delete(key)


@contextmanager
def kept_only_if_saved(prepared: PreparedImage | None) -> Iterator[None]:
    """Around the transaction that saves a prepared photo: if it fails, its files go too."""
    try:
        yield
    except BaseException:
        if prepared is not None:
            discard_files(prepared.key)
        raise
