"""The file of the one digital product the demo shop sells: "A Carer's Guide to Home
Practice", written for this shop (carers_guide.md) and printed in large print with
shop/pdf.py. The seed writes it into the private downloads folder and tells the product
which file it delivers, so a paid order of the guide really gets the guide."""
from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from shop.catalog.models import Product
from shop.extensions import db
from shop.pdf import LargePrintDocument

GUIDE_SLUG = "carers-guide"
GUIDE_FILE = "carers-guide.pdf"
SOURCE = Path(__file__).resolve().parent / "carers_guide.md"


@lru_cache(maxsize=1)
def guide_pdf() -> bytes:
    """The guide as a PDF: `# title`, a subtitle, `## headings`, paragraphs and `- ` lists.
    The same text always gives the same bytes."""
    blocks = [block.strip() for block in SOURCE.read_text(encoding="utf-8").split("\n\n") if block.strip()]
    title, subtitle = blocks[0].removeprefix("# ").strip(), blocks[1]
    document = LargePrintDocument(title=title, author="Steady Hand Rehab")
    document.add_page()
    document.title_block(title, subtitle)
    for block in blocks[2:]:
        lines = block.splitlines()
        if block.startswith("## "):
            document.heading(block[3:])
        elif all(line.startswith("- ") for line in lines):
            for line in lines:
                document.paragraph("• " + line[2:].strip())
        else:
            document.paragraph(" ".join(block.split()))
    return document.to_bytes()


def seed_downloads(folder: str) -> Iterator[str]:
    """Write the guide into `folder` unless a file of that name is there already (the shop
    may have put its own edition there), and name it as the guide product's file when the
    product has none yet."""
    target = Path(folder) / GUIDE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    written = not target.is_file()
    if written:
        target.write_bytes(guide_pdf())
    product = db.session.scalar(select(Product).where(Product.slug == GUIDE_SLUG))
    linked = product is not None and product.download_file is None
    if linked:
        product.download_file = GUIDE_FILE
    db.session.commit()
    yield (f"downloads: {GUIDE_FILE} {'written' if written else 'already there'} in {folder}"
           + ("; the guide product now delivers it" if linked else ""))
