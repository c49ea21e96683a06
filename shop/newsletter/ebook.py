"""The free ebook: a short large-print PDF, written by a tiny PDF writer of our own.

The PDF is built once and shipped under static/ebook/ (`flask --app wsgi newsletter
build-ebook` rebuilds it). A hand-written writer keeps a heavy PDF library out of the shop:
the book needs only pages of wrapped text in a standard font.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import click
from flask import Blueprint

PAGE_WIDTH, PAGE_HEIGHT = 612, 792  # US Letter, in points
MARGIN = 72
BODY_SIZE, HEADING_SIZE, TITLE_SIZE = 16, 24, 30  # large print throughout
WRAP_AT = 52  # characters per line at 16 pt Helvetica within the margins

TITLE = "Practice at Home After a Stroke"
SUBTITLE = "A short, large-print guide from Steady Hand Rehab"

# (heading, paragraphs). Plain ASCII: the standard PDF fonts need no embedding for it.
CHAPTERS: list[tuple[str, list[str]]] = [
    ("Before you start", [
        "This guide is general information, not medical advice. Please talk to your doctor or therapist "
        "before you start new exercises, and follow their advice where it differs from ours.",
        "If you notice signs of a new stroke - face drooping, arm weakness, speech difficulty - call "
        "emergency services at once.",
    ]),
    ("Why practice works", [
        "After a stroke the brain can build new connections. This is called neuroplasticity. Connections "
        "that are used again and again grow stronger, and healthy areas can take over some of the work.",
        "The brain gets better at exactly what you practise. Practising real tasks, such as lifting a cup "
        "or turning a tap, helps most with those tasks.",
        "Change needs many repetitions, often hundreds, over weeks and months. Home is where the hours are.",
    ]),
    ("A simple daily routine", [
        "Choose a steady chair with arms and a table at elbow height. Keep everything you need in one place.",
        "Practise two or three times a day for 10 to 20 minutes. Short and regular beats long and rare.",
        "Pick two or three movements your therapist has shown you. Count your repetitions and write them down.",
        "Rest when you are tired. Fatigue is common after a stroke and is not a sign of failure.",
    ]),
    ("Staying safe", [
        "Never pull on a weak arm or let it hang without support: the shoulder is easily hurt.",
        "Stop if anything hurts, and tell your therapist about new pain, swelling or stiffness.",
        "Ask your doctor or pharmacist before taking any supplement. Some, such as magnesium, interact "
        "with blood-pressure medicines, muscle relaxants and some antibiotics.",
    ]),
    ("For carers", [
        "Wait a little before helping, then help only as much as needed. The brain relearns through the "
        "person's own effort.",
        "Praise effort, notice small gains, and look after yourself too.",
    ]),
    ("Questions to ask your therapist", [
        "Which movements should I practise at home, and how many times?",
        "What should I do on a bad day?",
        "Which signs mean I should stop and call you?",
        "How will we know I am making progress?",
    ]),
    ("Where our facts come from", [
        "American Heart Association / American Stroke Association: Guidelines for Adult Stroke "
        "Rehabilitation and Recovery (2016).",
        "Cochrane review: Repetitive task training for improving functional ability after stroke (2016).",
        "NIH Office of Dietary Supplements: Magnesium fact sheet.",
        "Read our articles with their full sources at our website.",
    ]),
]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _page_lines() -> list[list[tuple[int, str]]]:
    """The book as pages of (font size, line) pairs."""
    lines: list[tuple[int, str]] = [(TITLE_SIZE, TITLE), (BODY_SIZE, ""), (BODY_SIZE, SUBTITLE), (BODY_SIZE, "")]
    for heading, paragraphs in CHAPTERS:
        lines.append((HEADING_SIZE, heading))
        for paragraph in paragraphs:
            lines.extend((BODY_SIZE, line) for line in textwrap.wrap(paragraph, WRAP_AT))
            lines.append((BODY_SIZE, ""))
    pages: list[list[tuple[int, str]]] = [[]]
    used = 0.0
    for size, line in lines:
        height = size * 1.5
        if used + height > PAGE_HEIGHT - 2 * MARGIN or (size == HEADING_SIZE and used + height * 3 > PAGE_HEIGHT - 2 * MARGIN):
            pages.append([])
            used = 0.0
        pages[-1].append((size, line))
        used += height
    return pages


def build_pdf() -> bytes:
    """A valid PDF 1.4 file: catalog, page tree, one font, and a content stream per page."""
    pages = _page_lines()
    objects: list[bytes] = []  # object n is objects[n - 1]
    font_id, pages_id = 3, 2
    page_ids = []
    for number, page in enumerate(pages, start=1):
        y = PAGE_HEIGHT - MARGIN
        ops = ["BT"]
        for size, line in page:
            y -= size * 1.5
            ops.append(f"/F1 {size} Tf 1 0 0 1 {MARGIN} {y:.0f} Tm ({_escape(line)}) Tj")
        ops.append(f"/F1 12 Tf 1 0 0 1 {MARGIN} {MARGIN // 2} Tm (Page {number} of {len(pages)}) Tj")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content_id = 4 + 2 * (number - 1)
        page_id = content_id + 1
        page_ids.append(page_id)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode()
        )
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    objects = head + objects
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info << /Title ({_escape(TITLE)}) >> >>\n".encode()
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def register_ebook_command(bp: Blueprint) -> None:
    @bp.cli.command("build-ebook")
    def build_ebook_command() -> None:
        """Rebuild static/ebook/stroke-recovery-at-home.pdf from the text in shop/newsletter/ebook.py."""
        from flask import current_app

        from shop.newsletter.services import EBOOK_PATH

        target = Path(current_app.static_folder) / EBOOK_PATH
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(build_pdf())
        click.echo(f"wrote {target}")
