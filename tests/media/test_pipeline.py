"""The photo pipeline on its own: what it refuses, what it stores, and how it serves it."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from shop.media.services import ImageRefused, make_variants, prepare_image, save_image
from tests.support.images import CAMERA, decompression_bomb, not_a_photo, oversized_file, photo_bytes


@pytest.fixture
def pipeline(app):
    """An app context with the limits of the default settings (10 MB, 40 megapixels)."""
    assert app.config["MEDIA_MAX_BYTES"] == 10 * 1024 * 1024 and app.config["MEDIA_MAX_PIXELS"] == 40_000_000
    return app


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_becomes_resized_webp_and_jpeg_variants_without_metadata(pipeline, fmt):
    variants = make_variants(photo_bytes(2000, 1500, fmt=fmt))
    assert (variants.width, variants.height) == (2000, 1500)
    assert sorted(variants.files) == ["1600.jpg", "1600.webp", "400.jpg", "400.webp", "800.jpg", "800.webp"]
    for name, data in variants.files.items():
        image = Image.open(io.BytesIO(data))
        width = int(name.split(".")[0])
        assert image.size == (width, width * 3 // 4)
        assert image.format == ("JPEG" if name.endswith(".jpg") else "WEBP")
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        assert CAMERA.encode() not in data and b"Secret Lane" not in data


def test_a_small_photo_is_not_enlarged(pipeline):
    variants = make_variants(photo_bytes(300, 200))
    assert sorted(variants.files) == ["300.jpg", "300.webp"]


def test_a_phone_photo_is_stored_upright(pipeline):
    # Orientation 6: the sensor's picture must be turned a quarter to be upright.
    variants = make_variants(photo_bytes(1200, 900, orientation=6))
    assert (variants.width, variants.height) == (900, 1200)
    assert Image.open(io.BytesIO(variants.files["800.jpg"])).size == (800, 1067)


@pytest.mark.parametrize("data, words", [
    (not_a_photo(), "not a photo we can use"),
    (b"", "empty"),
    (photo_bytes(400, 300)[:200], "not a photo we can use"),  # cut short
    (decompression_bomb(), "more than 40 megapixels"),
    (decompression_bomb(7_000), "more than 40 megapixels"),  # 49 MP: our limit, below Pillow's own
    (oversized_file(12), "larger than 10 MB"),
])
def test_what_is_not_a_usable_photo_is_refused_and_nothing_is_stored(pipeline, data, words):
    with pytest.raises(ImageRefused) as refused:
        prepare_image(io.BytesIO(data))
    assert words in refused.value.message
    assert not Path(pipeline.config["MEDIA_ROOT"]).exists()


def test_other_image_formats_are_refused_by_content(pipeline):
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, "GIF")
    with pytest.raises(ImageRefused):
        prepare_image(io.BytesIO(out.getvalue()))


def test_saved_variants_are_served_with_a_year_long_immutable_cache(pipeline, client):
    stored = save_image(prepare_image(io.BytesIO(photo_bytes(1000, 750))))
    from shop.extensions import db

    db.session.commit()
    with client.get(f"/media/{stored.key}/800.webp") as response:
        assert response.status_code == 200 and response.mimetype == "image/webp"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert Image.open(io.BytesIO(response.data)).size == (800, 600)
    assert client.get(f"/media/{stored.key}/1600.webp").status_code == 404  # never made: the photo is 1000 wide
    for probe in (f"/media/{stored.key}/..%2F..%2Fetc%2Fpasswd", "/media/../secret/800.jpg", f"/media/{stored.key}/800.png",
                  "/media/notakey/800.jpg"):
        assert client.get(probe).status_code == 404, probe
