"""Command-line tasks: `flask --app wsgi seed`, and each domain's group."""
from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    from shop.orders.cli import orders_cli
    from shop.outbox.cli import outbox_cli

    app.cli.add_command(outbox_cli)
    app.cli.add_command(orders_cli)

    @app.cli.command("seed")
    def seed_command() -> None:
        """Load the demo catalogue and content. Running it twice changes nothing."""
        from shop.seed import seed_all

        for line in seed_all():
            click.echo(line)
