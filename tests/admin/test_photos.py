"""Product photos in the staff area: upload (validated by content), alt text, order,
delete; and shopper pages drawing them with srcset and their size."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage

from shop.catalog.models import Product, ProductImage
from shop.extensions import db
from shop.media.models import StoredImage
from tests.factories import make_product
from tests.support.db import count, fresh
from tests.support.html import elements, page_text
from tests.support.images import CAMERA, decompression_bomb, multipart, not_a_photo, oversized_file, photo_bytes


def _upload(client, product, data: bytes, name: str = "photo.jpg", alt: str = "The ball in a hand"):
    return client.post(f"/admin/products/{product.id}/photos",
                       **multipart(client, {"image": FileStorage(io.BytesIO(data), name), "alt": alt}))


def _photos(product) -> list[ProductImage]:
    fresh()
    return list(db.session.scalars(sa.select(ProductImage).where(ProductImage.product_id == product.id)
                                   .order_by(ProductImage.position)))


def _media_files(app) -> list[str]:
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_valid_photo_is_stored_as_variants_without_metadata_and_shown_with_srcset(app, staff_client):
    product = make_product(name="Grip Ball", slug="grip-ball", images=0)
    response = _upload(staff_client, product, photo_bytes(2400, 1800))
    assert response.status_code == 303, page_text(response)
    [photo] = _photos(product)
    stored = db.session.get(StoredImage, photo.image_id)
    assert (stored.width, stored.height, stored.widths) == (2400, 1800, [400, 800, 1600])
    assert _media_files(app) == sorted(f"{stored.key}/{w}.{ext}" for w in (400, 800, 1600) for ext in ("jpg", "webp"))
    for name in _media_files(app):
        data = (Path(app.config["MEDIA_ROOT"]) / name).read_bytes()
        assert CAMERA.encode() not in data and not Image.open(io.BytesIO(data)).getexif()

    html = staff_client.get("/products/grip-ball").get_data(as_text=True)
    img = next(attrs for tag, attrs in elements(html) if tag == "img" and attrs.get("alt") == "The ball in a hand")
    assert img["src"] == f"/media/{stored.key}/800.jpg" and (img["width"], img["height"]) == ("800", "600")
    assert img["srcset"] == ", ".join(f"/media/{stored.key}/{w}.jpg {w}w" for w in (400, 800, 1600))
    source = next(attrs for tag, attrs in elements(html) if tag == "source")
    assert source["type"] == "image/webp" and f"/media/{stored.key}/1600.webp 1600w" in source["srcset"]
    assert f"http://shop.test/media/{stored.key}/1600.jpg" in html  # JSON-LD: the largest, as a full address
    assert f"/media/{stored.key}/400.webp 400w" in staff_client.get("/products").get_data(as_text=True)
    with staff_client.get(img["src"]) as served:
        assert served.status_code == 200 and "immutable" in served.headers["Cache-Control"]


@pytest.mark.parametrize("data, name, words", [
    (not_a_photo(), "holiday.jpg", "not a photo we can use"),
    (decompression_bomb(), "tiny.png", "more than 40 megapixels"),
    (oversized_file(12), "big.jpg", "larger than 10 MB"),
])
def test_files_that_are_not_usable_photos_leave_the_product_unchanged(app, staff_client, data, name, words):
    product = make_product(images=1)
    response = _upload(staff_client, product, data, name)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert words in page_text(response)
    assert html.index(words) > html.index('id="image"')  # the message is at the photo field
    assert len(_photos(product)) == 1 and count(StoredImage) == 0 and _media_files(app) == []


def test_a_photo_needs_a_description_and_a_file(app, staff_client):
    product = make_product(images=0)
    response = _upload(staff_client, product, photo_bytes(), alt="  ")
    assert response.status_code == 400 and "describe the photo" in page_text(response)
    response = staff_client.post(f"/admin/products/{product.id}/photos", **multipart(staff_client, {"alt": "x"}))
    assert response.status_code == 400 and "Please choose a photo." in page_text(response)
    assert _photos(product) == [] and _media_files(app) == []


def test_a_body_far_past_the_limit_is_refused_before_it_is_read(app, staff_client):
    product = make_product(images=0)
    response = _upload(staff_client, product, bytes(21 * 1024 * 1024))
    assert response.status_code == 413 and _photos(product) == []


def test_other_forms_keep_the_small_body_limit(staff_client):
    product = make_product()
    big = {"change": "1" * 10, "reason": "received", "note": "x" * (5 * 1024 * 1024)}
    assert staff_client.post(f"/admin/products/{product.id}/stock", data=big).status_code == 413


def test_reorder_describe_and_delete_photos(app, staff_client):
    product = make_product(name="Grip Ball", slug="grip-ball", images=0)
    for colour, alt in (((200, 0, 0), "Red"), ((0, 200, 0), "Green"), ((0, 0, 200), "Blue")):
        assert _upload(staff_client, product, photo_bytes(800, 600, colour=colour), alt=alt).status_code == 303
    red, green, blue = _photos(product)
    assert staff_client.post(f"/admin/products/{product.id}/photos/{blue.id}/earlier").status_code == 303
    assert [p.alt for p in _photos(product)] == ["Red", "Blue", "Green"]
    assert staff_client.post(f"/admin/products/{product.id}/photos/{red.id}/later").status_code == 303
    assert [p.alt for p in _photos(product)] == ["Blue", "Red", "Green"]
    response = staff_client.post(f"/admin/products/{product.id}/photos/{green.id}/alt",
                                 data={f"photo-{green.id}-alt": "Green, held in a hand"})
    assert response.status_code == 303 and _photos(product)[2].alt == "Green, held in a hand"
    blank = staff_client.post(f"/admin/products/{product.id}/photos/{green.id}/alt", data={f"photo-{green.id}-alt": ""})
    assert blank.status_code == 400
    key = db.session.get(StoredImage, blue.image_id).key
    assert staff_client.post(f"/admin/products/{product.id}/photos/{blue.id}/delete").status_code == 303
    assert [p.alt for p in _photos(product)] == ["Red", "Green, held in a hand"]
    assert not any(name.startswith(key) for name in _media_files(app)) and count(StoredImage) == 2
    main = re.search(r'<img src="([^"]+)"', staff_client.get("/products/grip-ball").get_data(as_text=True)).group(1)
    assert main.startswith(f"/media/{db.session.get(StoredImage, red.image_id).key}/")
    other = make_product(images=0)
    assert staff_client.post(f"/admin/products/{other.id}/photos/{red.id}/delete").status_code == 404


def test_deleting_a_product_deletes_its_photo_files(app, staff_client):
    product = make_product(images=0)
    _upload(staff_client, product, photo_bytes())
    assert _media_files(app)
    assert staff_client.post(f"/admin/products/{product.id}/delete").status_code == 303
    assert _media_files(app) == [] and count(StoredImage) == 0 and count(Product) == 0
