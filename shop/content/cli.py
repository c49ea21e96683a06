"""`flask --app wsgi content ...`"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from shop.content.services import articles_with_unknown_products

content_cli = AppGroup("content", help="Articles.")


@content_cli.command("check")
def check_command() -> None:
    """List articles whose [[product:slug]] directives name no active product."""
    report = articles_with_unknown_products()
    for article_slug, product_slugs in report.items():
        click.echo(f"{article_slug}: unknown products {', '.join(product_slugs)}")
    if not report:
        click.echo("content: every product directive names an active product")
