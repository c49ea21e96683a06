"""Orders in the staff area: the lists, one order, and what staff do to it (ship, refund,
clear a review flag). Refunds are the owner's alone."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for

from shop.admin.access import FULFILMENT, OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import RefundForm, ReviewForm, ShipForm, check_buttons
from shop.admin.labels import NEEDS_REVIEW, STATUS_FILTERS
from shop.csv_export import csv_lines
from shop.database import utcnow
from shop.money import format_money
from shop.orders import refunds, shipping, staff
from shop.orders.models import OrderStatus
from shop.web import existing_page, requested_page


def _filter() -> tuple[str, dict]:
    """?status= as the list and the export read it: (the value, the service's arguments)."""
    status = request.args.get("status", "")
    if status not in dict(STATUS_FILTERS):
        abort(404)
    return status, {"status": OrderStatus(status) if status not in ("", NEEDS_REVIEW) else None,
                    "needs_review": status == NEEDS_REVIEW}


@bp.get("/orders")
@roles_allowed(OWNER, FULFILMENT)
def order_list():
    status, narrowed = _filter()
    orders = staff.list_orders(requested_page(), **narrowed)
    return render_template("admin/orders.html", orders=existing_page(orders), status=status, filters=STATUS_FILTERS)


@bp.get("/orders.csv")
@roles_allowed(OWNER, FULFILMENT)
def order_export():
    status, narrowed = _filter()
    filename = f"orders-{status or 'all'}-{utcnow():%Y-%m-%d}.csv"
    rows = staff.export_rows(**narrowed)
    return Response(stream_with_context(csv_lines(staff.EXPORT_COLUMNS, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _order_page(number: str, code: int = 200, *, refund_form: RefundForm | None = None,
                review_form: ReviewForm | None = None, problem: str | None = None):
    view = staff.order_for_staff(number)
    return render_template(
        "admin/order.html", view=view, order=view.order, problem=problem,
        ship_form=ShipForm(formdata=None), refund_form=refund_form or RefundForm(formdata=None),
        review_form=review_form or ReviewForm(formdata=None),
    ), code


@bp.get("/orders/<number>")
@roles_allowed(OWNER, FULFILMENT)
def order_detail(number: str):
    return _order_page(number)


@bp.post("/orders/<number>/ship")
@roles_allowed(OWNER, FULFILMENT)
def ship(number: str):
    check_buttons(ShipForm())
    moved = shipping.mark_shipped(number, actor=current_actor())
    flash(f"Order {number} is marked shipped." if moved else f"Order {number} was already marked shipped.", "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


@bp.post("/orders/<number>/refund")
@roles_allowed(OWNER)
def refund(number: str):
    form = RefundForm()
    if not form.validate_on_submit():
        return _order_page(number, 400, refund_form=form)
    try:
        sent = refunds.refund_order(number, amount_cents=form.amount_cents, attempt=form.attempt.data,
                                    actor=current_actor())
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
@roles_allowed(OWNER, FULFILMENT)
def review(number: str):
    form = ReviewForm()
    if not form.validate_on_submit():
        return _order_page(number, 400, review_form=form)
    cleared = staff.mark_reviewed(number, actor=current_actor(), note=form.note.data)
    flash(f"Order {number} is marked reviewed." if cleared else f"Order {number} did not need review.", "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


