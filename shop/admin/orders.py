"""Orders in the staff area: the lists, one order, and what staff do to it (pack, ship in
parcels, mark delivered, refund, clear a review flag, print the receipt). Refunds are the
owner's alone."""
from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from wtforms import SelectChoice

from shop.admin.access import FULFILMENT, OWNER, bp, current_actor, roles_allowed
from shop.admin.forms import DeliveredForm, PackForm, RefundForm, ReviewForm, ShipForm, check_buttons
from shop.admin.labels import DISPUTED, NEEDS_REVIEW, STATUS_FILTERS
from shop.csv_export import csv_lines
from shop.database import utcnow
from shop.money import format_money
from shop.orders import receipts, refunds, shipping, staff
from shop.orders.models import OrderStatus
from shop.web import existing_page, requested_page


def _filter() -> tuple[str, dict]:
    """?status= as the list and the export read it: (the value, the service's arguments)."""
    status = request.args.get("status", "")
    if status not in dict(STATUS_FILTERS):
        abort(404)
    return status, {"status": OrderStatus(status) if status not in ("", NEEDS_REVIEW, DISPUTED) else None,
                    "needs_review": status == NEEDS_REVIEW, "disputed": status == DISPUTED}


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


def _refund_form(view: staff.OrderView, *, submitted: bool) -> RefundForm:
    form = RefundForm() if submitted else RefundForm(formdata=None)
    form.lines.choices = [SelectChoice(line.id, line.product_name) for line in view.refundable_lines]
    return form


def _order_page(number: str, code: int = 200, *, refund_form: RefundForm | None = None,
                review_form: ReviewForm | None = None, ship_form: ShipForm | None = None, problem: str | None = None):
    view = staff.order_for_staff(number)
    return render_template(
        "admin/order.html", view=view, order=view.order, problem=problem,
        ship_form=ship_form or ShipForm(formdata=None), pack_form=PackForm(formdata=None),
        delivered_form=DeliveredForm(formdata=None),
        refund_form=refund_form or _refund_form(view, submitted=False),
        review_form=review_form or ReviewForm(formdata=None),
    ), code


@bp.get("/orders/<number>")
@roles_allowed(OWNER, FULFILMENT)
def order_detail(number: str):
    return _order_page(number)


@bp.post("/orders/<number>/ship")
@roles_allowed(OWNER, FULFILMENT)
def ship(number: str):
    form = ShipForm()
    if not form.validate_on_submit():
        return _order_page(number, 400, ship_form=form)
    added = shipping.ship_parcels(number, form.chosen, actor=current_actor())
    if added:
        flash(f"Order {number} is marked shipped in {len(added)} parcel{'s' if len(added) > 1 else ''}. "
              "The shopper was emailed the tracking.", "success")
    else:
        flash(f"Those parcels of order {number} were already recorded; nothing was added.", "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


@bp.post("/orders/<number>/pack")
@roles_allowed(OWNER, FULFILMENT)
def pack(number: str):
    check_buttons(PackForm())
    moved = shipping.mark_packed(number, actor=current_actor())
    flash(f"Order {number} is marked packed." if moved else f"Order {number} was already packed.", "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


@bp.post("/orders/<number>/parcels/<int:parcel_id>/delivered")
@roles_allowed(OWNER, FULFILMENT)
def parcel_delivered(number: str, parcel_id: int):
    check_buttons(DeliveredForm())
    marked = shipping.mark_delivered(number, parcel_id, actor=current_actor())
    flash("The parcel is marked delivered." if marked else "That parcel was already marked delivered.", "success")
    return redirect(url_for("admin.order_detail", number=number), code=303)


@bp.get("/orders/<number>/receipt.pdf")
@roles_allowed(OWNER, FULFILMENT)
def order_receipt(number: str):
    view = staff.order_for_staff(number)
    response = make_response(receipts.receipt_pdf(view.order, receipts.ShopDetails.from_config(current_app.config)))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="receipt-{view.order.number}.pdf"'
    return response


@bp.post("/orders/<number>/refund")
@roles_allowed(OWNER)
def refund(number: str):
    form = _refund_form(staff.order_for_staff(number), submitted=True)
    if not form.validate_on_submit():
        return _order_page(number, 400, refund_form=form)
    try:
        sent = refunds.refund_order(number, amount_cents=form.amount_cents, attempt=form.attempt.data,
                                    actor=current_actor(), line_ids=form.lines.data or [])
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


