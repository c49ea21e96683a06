from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from shop.accounts import services
from shop.accounts.forms import LoginForm
from shop.extensions import limiter

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site; never another host (open-redirect guard)."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        flash("That email and password do not match a staff account.", "error")
    return render_template("accounts/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("main.home"), code=303)


@bp.cli.command("create-staff")
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
