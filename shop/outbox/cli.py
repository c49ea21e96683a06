from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from shop.outbox.services import send_pending

outbox_cli = AppGroup("outbox", help="The email outbox.")


@outbox_cli.command("send")
def send_command() -> None:
    """Send the emails waiting in the outbox (run it from cron or a loop)."""
    sent, failed = send_pending(current_app.config["SMTP_URL"], current_app.config["MAIL_FROM"])
    click.echo(f"outbox: {sent} sent, {failed} failed")
