"""Large-print PDF documents (the ebook, and anything else the shop prints), made with
fpdf2 in Atkinson Hyperlegible, a typeface drawn by the Braille Institute for readers with
low vision (SIL Open Font License, in shop/fonts/).

The output is reproducible: the same text gives the same bytes, so a PDF shipped in the
repository can be checked against its source.

Any text may be written, whatever it holds (a shopper's name in any script, a stray
control character): a character the typeface lacks is replaced by its plain-letter base
when it has one (Ł -> L is not one, ő -> o is) or by "?", so a document never has an
empty box, never logs a missing glyph, and never fails.
"""
from __future__ import annotations

import unicodedata
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "Atkinson"
BODY_SIZE, HEADING_SIZE, TITLE_SIZE = 16, 24, 30  # points: large print throughout
LINE_HEIGHT = 1.5  # times the font size
MARGIN_MM = 25
# A fixed date keeps the file byte-for-byte the same however often it is rebuilt.
_FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)


MISSING = "?"


@lru_cache(maxsize=4096)
def _stand_in(char: str, glyphs: frozenset[int]) -> str:
    """What to print for a character the font lacks: its base letters, or MISSING."""
    category = unicodedata.category(char)
    if category in ("Zs", "Zl", "Zp") or char == "\t":
        return " " if 32 in glyphs else ""
    if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""  # controls, formatting marks, surrogates, private use, unassigned: nothing to show
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c) and ord(c) in glyphs)
    return base or MISSING


def printable(text: str, glyphs: frozenset[int]) -> str:
    """`text` with only characters whose code points are in `glyphs` (line breaks kept)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c if c == "\n" or (ord(c) in glyphs and unicodedata.category(c) != "Cc") else _stand_in(c, glyphs)
                   for c in text)


class LargePrintDocument(FPDF):
    """US Letter pages, generous margins, page numbers at the foot of each page. Text is
    ragged-right, never justified: even word spacing is easier to read."""

    def __init__(self, title: str, author: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        self._glyphs: dict[str, frozenset[int]] = {}  # code points each font can draw, by font key
        self.add_font(FAMILY, "", str(FONTS / "AtkinsonHyperlegible-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "AtkinsonHyperlegible-Bold.ttf"))
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM)
        self.set_title(title)
        self.set_author(author)
        self.set_creator(author)
        self.set_creation_date(_FIXED_DATE)
        self.set_lang("en")

    def normalize_text(self, text: str) -> str:
        # fpdf2 passes every piece of text through here before laying it out.
        font = self.current_font
        if font is None or not hasattr(font, "cmap"):
            return super().normalize_text(text)
        glyphs = self._glyphs.get(font.fontkey)
        if glyphs is None:
            glyphs = self._glyphs[font.fontkey] = frozenset(font.cmap)
        return super().normalize_text(printable(text, glyphs))

    def footer(self) -> None:
        self.set_y(-MARGIN_MM + 8)
        self.set_font(FAMILY, "", 12)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")

    def _height(self, size: int) -> float:
        return size * LINE_HEIGHT * 0.3528  # points to millimetres

    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font(FAMILY, "B", TITLE_SIZE)
        self.multi_cell(0, self._height(TITLE_SIZE), title, align="L", new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self.ln(self._height(BODY_SIZE) / 2)
            self.paragraph(subtitle)

    def heading(self, text: str) -> None:
        # Keep a heading with the lines that follow it: start a new page when it would sit alone.
        if self.will_page_break(self._height(HEADING_SIZE) + 3 * self._height(BODY_SIZE)):
            self.add_page()
        self.ln(self._height(BODY_SIZE) / 2)
        self.set_font(FAMILY, "B", HEADING_SIZE)
        self.multi_cell(0, self._height(HEADING_SIZE), text, align="L", new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str, *, bold: bool = False, size: int = BODY_SIZE) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, self._height(size), text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(self._height(size) / 2)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
