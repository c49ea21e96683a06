"""`flask --app wsgi seed`"""
from __future__ import annotations

import click

from shop.seed import seed_all


@click.command("seed")
def seed_command() -> None:
    """Load the demo catalogue and content. Running it twice changes nothing."""
    for line in seed_all():
        click.echo(line)
