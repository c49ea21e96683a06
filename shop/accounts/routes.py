from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from shop.accounts import services
from shop.accounts.forms import LoginForm
from shop.extensions import limiter
from shop.web import safe_next_path

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
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
