"""Every command-line group, registered in this one place. Each domain with commands
keeps them in shop/<domain>/cli.py; `flask --app wsgi --help` lists them all."""
from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from shop.accounts.cli import accounts_cli
    from shop.cart.cli import cart_cli
    from shop.checkout.cli import checkout_cli
    from shop.content.cli import content_cli
    from shop.newsletter.cli import newsletter_cli
    from shop.outbox.cli import outbox_cli
    from shop.seed.cli import seed_command

    for command in (accounts_cli, cart_cli, checkout_cli, content_cli, newsletter_cli, outbox_cli, seed_command):
        app.cli.add_command(command)
