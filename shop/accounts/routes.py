from __future__ import annotations

import hashlib

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from shop.accounts import services
from shop.accounts.forms import LoginForm
from shop.errors import Unavailable
from shop.extensions import limiter
from shop.security import rate_limits_available
from shop.web import safe_next_path

bp = Blueprint("accounts", __name__)


def login_account_key() -> str:
    """The per-account login limit's key: the address tried, however many clients try it
    (hashed: the key stays short whatever is sent, and no address sits in Redis)."""
    email = (request.form.get("email") or "").strip().lower()
    return "login-account:" + hashlib.sha256(email.encode()).hexdigest()


class LoginPaused(Unavailable):
    def __init__(self) -> None:
        super().__init__("Logging in is paused for a few minutes while we fix a problem on our side. "
                         "If you are already logged in, you can carry on. Please try again shortly.")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("5 per minute;20 per hour", key_func=login_account_key, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "POST" and not rate_limits_available():
        # Without the shared count, guesses at a password would be limited per worker
        # only: staff login fails closed (shopping, by contrast, keeps selling).
        raise LoginPaused()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(safe_next_path(request.args.get("next"), url_for("storefront.home")), code=303)
        flash("That email and password do not match a staff account.", "error")
    return render_template("accounts/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("storefront.home"), code=303)
