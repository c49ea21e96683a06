from __future__ import annotations

from flask import Blueprint, current_app, has_request_context, render_template, url_for

from shop.policies.services import POLICIES, get_policy

bp = Blueprint("policies", __name__)


@bp.get("/policies/<slug>")
def policy_page(slug: str):
    page = get_policy(slug, return_window_days=current_app.config["RETURN_WINDOW_DAYS"])
    return render_template("policies/page.html", page=page)


@bp.app_context_processor
def policy_links():
    """The footer's links to every policy page (fixed addresses, so no query on every page),
    and the return window pages quote."""
    links = ([(name, url_for("policies.policy_page", slug=slug)) for slug, name in POLICIES]
             if has_request_context() else [])  # an email rendered by a job has no page footer
    return {"policy_links": links, "return_window_days": current_app.config["RETURN_WINDOW_DAYS"]}
