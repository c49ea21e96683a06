"""`flask --app wsgi newsletter ...`"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from shop.newsletter.ebook import build_pdf
from shop.newsletter.services import EBOOK_PATH

newsletter_cli = AppGroup("newsletter", help="The ebook and the newsletter.")


@newsletter_cli.command("build-ebook")
def build_ebook_command() -> None:
    """Rebuild static/ebook/stroke-recovery-at-home.pdf from shop/newsletter/ebook.md."""
    target = Path(current_app.static_folder) / EBOOK_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(build_pdf())
    click.echo(f"wrote {target}")
