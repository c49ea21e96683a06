"""`flask --app wsgi checkout ...`"""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from shop.checkout.reconcile import reconcile_pending_orders

checkout_cli = AppGroup("checkout", help="Checkouts and what Stripe says of them.")


@checkout_cli.command("reconcile")
@click.option("--grace-minutes", default=5, show_default=True, help="How long after expiry to wait for a webhook first.")
def reconcile_command(grace_minutes: int) -> None:
    """Ask Stripe about orders still pending past their session's expiry, and apply
    what it says, so a missed webhook never leaves a paid order pending."""
    results = reconcile_pending_orders(grace=timedelta(minutes=grace_minutes))
    for number, outcome in results:
        click.echo(f"{number}: {outcome}")
    click.echo(f"orders reconciled: {len(results)}")
