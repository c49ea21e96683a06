"""The staff area at /admin. One guard for every page: logged-in, active staff only.

Routes here parse and check forms, call one domain service (orders, refunds, shipping,
stories), and show the result; refusals are ShopErrors, shown by shop/errors.py inside
the staff area's layout.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.admin.forms import RefundForm, ReviewForm, ShipForm, StoryActionForm
from shop.admin.labels import NEEDS_REVIEW, STATUS_FILTERS, STATUS_LABELS
from shop.money import format_money
from shop.orders import refunds, shipping, staff
from shop.orders.models import OrderStatus
from shop.testimonials import services as stories
from shop.web import existing_page, requested_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


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
    return None


@bp.after_request
def never_cache(response):
    # Staff pages hold shoppers' names and addresses: no copies in shared or browser caches.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("order_status")
def order_status_label(status: OrderStatus | None) -> str:
    return STATUS_LABELS[status] if status else ""


@bp.app_template_filter("staff_time")
def staff_time(value: datetime | None) -> str:
    """5 March 2026, 14:05 UTC: every time in the staff area is in UTC, and says so."""
    return f"{value.day} {value:%B %Y, %H:%M} UTC" if value else ""


def _staff_email() -> str:
    # Read before a service starts its transaction: that rollback would expire current_user.
    return current_user.email


def _check(form) -> None:
    """Forms with nothing to fill in but the CSRF token: a bad one is a 400."""
    if not form.validate_on_submit():
        abort(400)


# ---------------------------------------------------------------- pages

@bp.get("")
def dashboard():
    return render_template("admin/dashboard.html", counts=staff.work_counts(),
                           stories_to_review=stories.count_stories_to_review())


@bp.get("/orders")
def order_list():
    status = request.args.get("status", "")
    if status not in dict(STATUS_FILTERS):
        abort(404)
    orders = staff.list_orders(requested_page(), status=OrderStatus(status) if status not in ("", NEEDS_REVIEW) else None,
                               needs_review=status == NEEDS_REVIEW)
    return render_template("admin/orders.html", orders=existing_page(orders), status=status, filters=STATUS_FILTERS)


def _order_page(number: str, code: int = 200, *, refund_form: RefundForm | None = None,
                review_form: ReviewForm | None = None, problem: str | None = None):
    view = staff.order_for_staff(number)
    return render_template(
        "admin/order.html", view=view, order=view.order, problem=problem,
        ship_form=ShipForm(formdata=None), refund_form=refund_form or RefundForm(formdata=None),
        review_form=review_form or ReviewForm(formdata=None),
    ), code


@bp.get("/orders/<number>")
def order_detail(number: str):
    return _order_page(number)


# ---------------------------------------------------------------- order actions

@bp.post("/orders/<number>/ship")
def ship(number: str):
    _check(ShipForm())
    moved = shipping.mark_shipped(number, staff_email=_staff_email())
    flash(f"Order {number} is marked shipped." if moved else f"Order {number} was already marked shipped.", "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


@bp.post("/orders/<number>/refund")
def refund(number: str):
    form = RefundForm()
    if not form.validate_on_submit():
        return _order_page(number, 400, refund_form=form)
    try:
        sent = refunds.refund_order(number, amount_cents=form.amount_cents, attempt=form.attempt.data,
                                    staff_email=_staff_email())
    except refunds.RefundAmountInvalid as invalid:
        form.amount.errors = [invalid.message]
        return _order_page(number, 400, refund_form=form)
    except refunds.RefundUnavailable as unavailable:
        # The same form (same attempt) is shown again, so trying again cannot refund twice.
        return _order_page(number, unavailable.status, refund_form=form, problem=unavailable.message)
    amount = format_money(sent.amount_cents, sent.currency)
    if sent.repeated:
        flash(f"That refund of {amount} was already sent to Stripe; nothing more was refunded.", "success")
    else:
        flash(f"Refund of {amount} sent to Stripe. The order's status changes when Stripe confirms the refund, "
              "usually within a minute: reload this page to see it.", "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


@bp.post("/orders/<number>/review")
def review(number: str):
    form = ReviewForm()
    if not form.validate_on_submit():
        return _order_page(number, 400, review_form=form)
    cleared = staff.mark_reviewed(number, staff_email=_staff_email(), note=form.note.data)
    flash(f"Order {number} is marked reviewed." if cleared else f"Order {number} did not need review.", "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


# ---------------------------------------------------------------- stories

@bp.get("/stories")
def story_queue():
    return render_template("admin/stories.html", stories=existing_page(stories.stories_to_review(requested_page())))


@bp.post("/stories/<int:story_id>/publish")
def publish_story(story_id: int):
    _check(StoryActionForm())
    story = stories.publish_story(story_id, staff_email=_staff_email())
    flash(f"{story.display_name}'s story is published.", "success")
    return redirect(url_for("admin.story_queue"), code=303)


@bp.post("/stories/<int:story_id>/reject")
def reject_story(story_id: int):
    _check(StoryActionForm())
    name = stories.reject_story(story_id, staff_email=_staff_email())
    flash(f"{name}'s story is rejected and deleted, with their email address.", "success")
    return redirect(url_for("admin.story_queue"), code=303)
