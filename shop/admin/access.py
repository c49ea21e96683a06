"""Who may open which staff page. Every view in the staff area names the roles it allows
with @roles_allowed, right above the route; the blueprint's guard refuses any view that
names none, so a new page is closed until someone says who may use it."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from shop.accounts.models import StaffRole
from shop.audit.services import Actor

OWNER, EDITOR, FULFILMENT = StaffRole.OWNER, StaffRole.EDITOR, StaffRole.FULFILMENT
F = TypeVar("F", bound=Callable)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def roles_allowed(*roles: StaffRole) -> Callable[[F], F]:
    def declare(view: F) -> F:
        view.staff_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return declare


def allowed_roles(endpoint: str | None) -> frozenset[StaffRole]:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "staff_roles", frozenset())


def current_actor() -> Actor:
    """The person logged in, as plain values for a service. Read it before the service
    starts its transaction: that rollback would expire current_user."""
    return Actor(current_user.id, current_user.email)


@bp.before_request
def staff_only():
    # Flask-Login counts a switched-off account as not authenticated; it is still not
    # anonymous, and gets a plain refusal rather than a login form it cannot pass.
    if current_user.is_anonymous:
        # A path, never a full URL: /login only follows a `next` on this site. A button
        # pressed after the session ended leads back to the staff home page, not to a POST.
        if request.method in ("GET", "HEAD"):
            here = request.full_path if request.query_string else request.path
        else:
            here = url_for("admin.dashboard")
        return redirect(url_for("accounts.login", next=here), code=303)
    if not current_user.is_active:
        abort(403, "Your staff account is switched off. Please ask the shop's owner to switch it back on.")
    if current_user.role not in allowed_roles(request.endpoint):
        abort(403, "This page is for other staff roles. Please ask the shop's owner if you need it.")
    return None


@bp.after_request
def never_cache(response):
    # Staff pages hold shoppers' names and addresses: no copies in shared or browser caches.
    response.headers["Cache-Control"] = "no-store"
    return response
