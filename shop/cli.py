"""Every command-line group, registered in this one place. Each domain with commands
keeps them in shop/<domain>/cli.py; `flask --app wsgi --help` lists them all."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup


def register_cli(app: Flask) -> None:
    from shop.accounts.cli import accounts_cli
    from shop.cart.cli import cart_cli
    from shop.checkout.cli import checkout_cli
    from shop.content.cli import content_cli
    from shop.newsletter.cli import newsletter_cli
    from shop.outbox.cli import outbox_cli
    from shop.seed.cli import seed_command

    for command in (accounts_cli, cart_cli, checkout_cli, content_cli, newsletter_cli, outbox_cli, seed_command,
                    markup_cli, assets_cli):
        app.cli.add_command(command)


markup_cli = AppGroup("markup", help="Markdown stored rendered (products, articles, authors).")


@markup_cli.command("refresh")
def refresh_markup_command() -> None:
    """Store fresh HTML for rows rendered by an older renderer (run after an upgrade)."""
    from shop.markup import refresh_stored_markdown

    click.echo(f"markup: {refresh_stored_markdown()} rows rendered afresh")


assets_cli = AppGroup("assets", help="Static files with fingerprinted names.")


@assets_cli.command("build")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def build_assets_command(target: Path) -> None:
    """Write static files under plain and fingerprinted names, CSS minified, with .gz and
    .br copies, for nginx to serve (gzip_static, brotli_static)."""
    from shop.assets import static_files

    click.echo(f"assets: {static_files().build(target)} files written to {target}")
