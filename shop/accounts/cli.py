"""`flask --app wsgi accounts ...`: staff accounts from the command line.

Passwords are read twice from standard input, never from the command line (where they
would be kept in the shell's history and shown to `ps`), without echo on a terminal.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from shop.accounts import services
from shop.accounts.models import StaffRole
from shop.audit.services import COMMAND_LINE
from shop.errors import ShopError

accounts_cli = AppGroup("accounts", help="Staff accounts: create, set-role, deactivate, activate, set-password, list.")
ROLES = click.Choice([role.value for role in StaffRole])


def _password(prompt: str = "Password") -> str:
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True)


@contextmanager
def _refusals_shown() -> Iterator[None]:
    """A refused action (ShopError) ends the command with its message, not a traceback."""
    try:
        yield
    except ShopError as error:
        raise click.ClickException(error.message) from None


@accounts_cli.command("create")
@click.argument("email")
@click.option("--role", type=ROLES, required=True, help="owner, editor or fulfilment")
@click.option("--name", default="", help="The name the staff area greets them by.")
def create_command(email: str, role: str, name: str) -> None:
    """Create a staff account; asks for its password twice."""
    password = _password()
    with _refusals_shown():
        services.create_staff_user(email, name, password, StaffRole(role), actor=COMMAND_LINE)
    click.echo(f"Created {services.normalise_email(email)} ({role}).")


@accounts_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLES)
def set_role_command(email: str, role: str) -> None:
    """Give a staff account another role."""
    with _refusals_shown():
        changed = services.set_role(services.find_staff(email).id, StaffRole(role), actor=COMMAND_LINE)
    click.echo(f"{email} is now {role}." if changed else f"{email} was already {role}.")


@accounts_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Switch a staff account off: it cannot log in, and its sessions end at once."""
    with _refusals_shown():
        changed = services.set_active(services.find_staff(email).id, False, actor=COMMAND_LINE)
    click.echo(f"{email} is switched off; its sessions have ended." if changed else f"{email} was already switched off.")


@accounts_cli.command("activate")
@click.argument("email")
def activate_command(email: str) -> None:
    """Switch a staff account back on."""
    with _refusals_shown():
        changed = services.set_active(services.find_staff(email).id, True, actor=COMMAND_LINE)
    click.echo(f"{email} is switched on." if changed else f"{email} was already switched on.")


@accounts_cli.command("set-password")
@click.argument("email")
def set_password_command(email: str) -> None:
    """Set a staff account's password (for someone locked out); its sessions end."""
    with _refusals_shown():
        user = services.find_staff(email)
        services.reset_password(user.id, _password("New password"), actor=COMMAND_LINE)
    click.echo(f"The password of {email} is changed; its sessions have ended.")


@accounts_cli.command("list")
def list_command() -> None:
    """Every staff account: email, role, on or off, name."""
    for user in services.list_staff():
        click.echo(f"{user.email}\t{user.role.value}\t{'active' if user.active else 'switched off'}\t{user.name}")
