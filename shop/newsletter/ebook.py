"""The free ebook: a short large-print PDF made from the text in ebook.md.

The text is content, edited as Markdown-like plain text: `# Title`, a subtitle line,
`## Chapter` headings and paragraphs. The PDF is built once and shipped under
static/ebook/ (`flask --app wsgi newsletter build-ebook` rebuilds it); a test checks that
the shipped file is the one the text makes.
"""
from __future__ import annotations

from pathlib import Path

from shop.pdf import LargePrintDocument

SOURCE = Path(__file__).resolve().parent / "ebook.md"


def build_pdf(source: str | None = None) -> bytes:
    text = SOURCE.read_text(encoding="utf-8") if source is None else source
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    title = blocks[0].removeprefix("# ").strip()
    subtitle = blocks[1] if len(blocks) > 1 and not blocks[1].startswith("#") else ""
    document = LargePrintDocument(title=title, author="Steady Hand Rehab")
    document.add_page()
    document.title_block(title, subtitle)
    for block in blocks[2 if subtitle else 1:]:
        if block.startswith("## "):
            document.heading(block[3:])
        else:
            document.paragraph(" ".join(block.split()))
    return document.to_bytes()
