"""`flask --app wsgi cart ...`"""
from __future__ import annotations

import re
from datetime import timedelta

import click
from flask.cli import AppGroup

from shop.cart.services import purge_carts

cart_cli = AppGroup("cart", help="Shoppers' carts.")

_AGE = re.compile(r"(\d{1,5})([dh])")


@cart_cli.command("purge")
@click.option("--older-than", default="30d", show_default=True, help="Age such as 30d or 12h.")
@click.option("--include-abandoned", is_flag=True, help="Also delete carts that still hold products.")
def purge_command(older_than: str, include_abandoned: bool) -> None:
    """Delete carts nobody has touched for a while (empty ones unless --include-abandoned)."""
    match = _AGE.fullmatch(older_than)
    if match is None:
        raise click.BadParameter("use a number of days or hours, such as 30d or 12h", param_hint="--older-than")
    amount, unit = int(match[1]), match[2]
    age = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
    removed = purge_carts(age, include_abandoned=include_abandoned)
    click.echo(f"carts: {removed} removed")
