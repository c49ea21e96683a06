"""The policy pages (returns, warranty, shipping, privacy, terms, accessibility): staff
edit their words; the shop renders them when saved."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from shop.admin.access import EDITOR, OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import PolicyForm
from shop.policies import services as policies


@bp.get("/policies")
@roles_allowed(OWNER, EDITOR)
def policy_list():
    return render_template("admin/policies.html", pages=policies.list_policies())


@bp.route("/policies/<slug>", methods=["GET", "POST"])
@roles_allowed(OWNER, EDITOR)
def policy_edit(slug: str):
    page = policies.policy_for_editing(slug)
    form = PolicyForm(obj=page)
    if not form.validate_on_submit():
        return render_template(
            "admin/policy_edit.html", page=page, form=form, return_days_mark=policies.RETURN_DAYS_MARK,
            return_window_days=current_app.config["RETURN_WINDOW_DAYS"],
        ), 400 if form.is_submitted() else 200
    policies.save_policy(slug, title=form.title.data, summary=form.summary.data or "", body=form.body.data,
                         actor=current_actor())
    flash(f"“{form.title.data.strip()}” is saved and live.", "success")
    return redirect(url_for("admin.policy_edit", slug=slug), code=303)
