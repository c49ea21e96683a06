"""The demo shop's digital product has a real file: the seed prints the carer's guide in
large print into the private downloads folder, and the product delivers it."""
from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from shop.catalog.models import Product
from shop.config import ROOT
from shop.extensions import db
from shop.seed import seed_all
from shop.seed.downloads import GUIDE_FILE, guide_pdf


def test_the_seed_writes_the_guide_and_the_product_delivers_it(seeded, app):
    path = Path(app.config["DOWNLOADS_DIR"]) / GUIDE_FILE
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert reader.metadata.title == "A Carer's Guide to Home Practice" and len(reader.pages) >= 5
    for words in ("Set up a practice corner", "Staying safe", "How much to help", "Hard days", "not medical advice"):
        assert words in text, words
    product = db.session.scalar(sa.select(Product).where(Product.slug == "carers-guide"))
    assert product.download_file == GUIDE_FILE and product.is_digital
    assert "40-page" not in product.description  # it promises only what the file is
    assert not list((ROOT / "static").rglob(GUIDE_FILE))


def test_seeding_again_keeps_a_file_the_shop_put_there(seeded, app):
    path = Path(app.config["DOWNLOADS_DIR"]) / GUIDE_FILE
    path.write_bytes(b"%PDF-1.4 the shop's own edition")
    db.session.execute(sa.update(Product).where(Product.slug == "carers-guide").values(download_file="edition-2.pdf"))
    db.session.commit()
    lines = list(seed_all())
    assert f"downloads: {GUIDE_FILE} already there in {app.config['DOWNLOADS_DIR']}" in lines
    assert path.read_bytes() == b"%PDF-1.4 the shop's own edition"
    assert db.session.scalar(sa.select(Product.download_file).where(Product.slug == "carers-guide")) == "edition-2.pdf"


def test_the_guide_is_the_same_file_every_time_it_is_printed():
    guide_pdf.cache_clear()
    first = guide_pdf()
    guide_pdf.cache_clear()
    assert guide_pdf() == first
