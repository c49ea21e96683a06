from __future__ import annotations

import hashlib
import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from shop.accounts import services
from shop.accounts.forms import LoginForm
from shop.errors import Unavailable
from shop.extensions import limiter
from shop.security import rate_limits_available
from shop.web import safe_next_path

bp = Blueprint("accounts", __name__)

SEEN = "staff_seen"  # when this staff session last made a request (seconds since the epoch)
SEEN_GRANULARITY = 60  # rewrite the cookie at most once a minute


def _account_key() -> str:
    """Per-account login limit: the email typed, however many clients try it; hashed, so the
    key stays short whatever is sent and no address sits in Redis."""
    typed = services.normalise_email(request.form.get("email", ""))
    return "login-account:" + hashlib.sha256(typed.encode("utf-8", "replace")).hexdigest()


def _login_failed(response) -> bool:
    return response.status_code != 303


class LoginPaused(Unavailable):
    def __init__(self) -> None:
        super().__init__("Logging in is paused for a few minutes while we fix a problem on our side. "
                         "If you are already logged in, you can carry on. Please try again shortly.")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"],
               deduct_when=_login_failed, scope="login-account")
def login():
    form = LoginForm()
    if request.method == "POST" and not rate_limits_available():
        # Without the shared count, guesses at a password would be limited per worker
        # only: staff login fails closed (shopping, by contrast, keeps selling).
        raise LoginPaused()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            # A fresh session: nothing from before the login (a planted cookie) survives it.
            session.clear()
            login_user(user)
            session[SEEN] = int(time.time())
            return redirect(safe_next_path(request.args.get("next"), url_for("storefront.home")), code=303)
        flash("That email and password do not match a staff account.", "error")
    return render_template("accounts/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Server-side: the session version moves on, so a copy of this cookie opens nothing.
        services.end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("storefront.home"), code=303)


@bp.before_app_request
def end_idle_staff_sessions():
    """A staff session ends after STAFF_IDLE_MINUTES without a request. Shoppers have no
    login, so this never runs a query for them."""
    if "_user_id" not in session:
        return None
    now = int(time.time())
    seen = session.get(SEEN)
    if not isinstance(seen, int) or now - seen > current_app.config["STAFF_IDLE_MINUTES"] * 60:
        logout_user()
        session.clear()
        flash("You were logged out because the staff area was not used for a while. Please log in again.", "info")
        return None
    if now - seen >= SEEN_GRANULARITY:
        session[SEEN] = now
    return None
