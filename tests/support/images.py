"""Files to upload, made here with Pillow: real photos (with the metadata a phone adds),
files that only pretend to be photos, a decompression bomb, and one too large to take."""
from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

from PIL import Image
from werkzeug.test import encode_multipart

CAMERA = "SecretCam 3000"
GPS_TAG, MAKE_TAG, ORIENTATION_TAG = 0x8825, 0x010F, 0x0112


def photo_bytes(width: int = 1200, height: int = 900, *, fmt: str = "JPEG", orientation: int | None = None,
                colour: tuple[int, int, int] = (180, 90, 60)) -> bytes:
    """A real photo, carrying the metadata a phone adds: camera make, GPS position and,
    optionally, an EXIF orientation."""
    image = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 50):  # some detail, so the encoder has something to keep
        image.paste((20, 20, 120), (x, 0, min(width, x + 10), height))
    exif = Image.Exif()
    exif[MAKE_TAG] = CAMERA
    exif[GPS_TAG] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    if orientation:
        exif[ORIENTATION_TAG] = orientation
    out = io.BytesIO()
    extra = {"comment": b"taken at 1 Secret Lane"} if fmt == "JPEG" else {}
    image.save(out, fmt, exif=exif, **extra)
    return out.getvalue()


def not_a_photo() -> bytes:
    """Text, to be uploaded under a .jpg name."""
    return b"%PDF-1.4\n% not a photo at all, whatever its name says\n" * 20


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=None)
def decompression_bomb(side: int = 20_000) -> bytes:
    """A valid PNG of side × side black-and-white pixels (400 megapixels by default): a
    few tens of kilobytes that would decode to hundreds of megabytes."""
    row = b"\x00" + bytes((side + 7) // 8)  # filter byte + one bit per pixel
    raw = zlib.compress(row * side, 9)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", raw) + _png_chunk(b"IEND", b"")


def oversized_file(megabytes: int = 12) -> bytes:
    """A real JPEG padded past the limit (decoders ignore what follows the image)."""
    return photo_bytes(400, 300) + bytes(megabytes * 1024 * 1024)


def multipart(client, fields: dict) -> dict:
    """post() arguments for a multipart body built in memory, CSRF token included. (Werkzeug's
    test client would spool a large body to a temporary file it never closes.)"""
    boundary, body = encode_multipart({"csrf_token": client.csrf_token(), **fields})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}", "csrf": False}
