"""`flask --app wsgi accounts ...`"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from shop.accounts import services

accounts_cli = AppGroup("accounts", help="Staff accounts.")


@accounts_cli.command("create-staff")
@click.argument("email")
@click.argument("name")
@click.password_option()
def create_staff_command(email: str, name: str, password: str) -> None:
    """Create a staff account: flask --app wsgi accounts create-staff EMAIL NAME"""
    try:
        services.create_staff_user(email, name, password)
    except services.StaffUserExists:
        raise click.ClickException(f"{email} already has an account") from None
    click.echo(f"created staff account {email}")
