"""Your own account: change your password. Every session made with the old password
ends; this browser is logged in again with a fresh session."""
from __future__ import annotations

import time

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, login_user

from shop.accounts import services as accounts
from shop.accounts.routes import SEEN
from shop.admin.access import EDITOR, FULFILMENT, OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import PasswordForm


@bp.route("/password", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR, FULFILMENT)
def change_password():
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("admin/password.html", form=form), (400 if form.errors else 200)
    user_id = current_user.id
    try:
        user = accounts.change_password(user_id, form.current_password.data, form.new_password.data,
                                        actor=current_actor())
    except accounts.WrongPassword as wrong:
        form.current_password.errors = [wrong.message]
        return render_template("admin/password.html", form=form), 400
    except accounts.WeakPassword as weak:
        form.new_password.errors = [weak.message]
        return render_template("admin/password.html", form=form), 400
    session.clear()
    login_user(user)
    session[SEEN] = int(time.time())
    flash("Your password is changed. Any other place you were logged in is now logged out.", "success")
    return redirect(url_for("admin.dashboard"), code=303)
