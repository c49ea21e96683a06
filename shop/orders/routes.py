"""A shopper's own order, with no login: its page and receipt behind a signed link, the
download pages of its digital products, and the lookup that emails the link again.

Every answer here is private: never stored by a cache (`no-store`), never indexed, and no
address with a token in it is passed on to another site as a referrer.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, request, send_file

from shop.database import utcnow
from shop.extensions import limiter
from shop.orders import customer, downloads
from shop.orders.forms import DownloadForm, FreshLinkForm, LookupForm
from shop.orders.receipts import ShopDetails, long_date, receipt_pdf

bp = Blueprint("orders", __name__)


@bp.after_request
def private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.app_template_filter("long_date")
def long_date_filter(value) -> str:
    return long_date(value) if value else ""


@bp.route("/orders/lookup", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def lookup():
    form = LookupForm()
    if not form.validate_on_submit():
        return render_template("orders/lookup.html", form=form), 400 if request.method == "POST" else 200
    customer.request_order_link(form.number.data, form.email.data, now=utcnow())
    # The same answer whether or not they matched: the page reveals nothing about orders.
    return render_template("orders/lookup_sent.html")


@bp.get("/orders/<number>")
def order_page(number: str):
    view = customer.shopper_order(number, request.args.get("token"), now=utcnow())
    return render_template("orders/page.html", view=view, order=view.order)


@bp.get("/orders/<number>/receipt.pdf")
def receipt(number: str):
    order = customer.order_for_receipt(number, request.args.get("token"))
    response = make_response(receipt_pdf(order, ShopDetails.from_config(current_app.config)))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="receipt-{order.number}.pdf"'
    return response


def _download_page(number: str, line_id: int, token: str | None, status: int = 200):
    page = downloads.download_page(number, line_id, token, now=utcnow())
    return render_template("orders/download.html", page=page, download_form=DownloadForm(formdata=None, token=token),
                           fresh_form=FreshLinkForm(formdata=None, token=token)), status


@bp.get("/orders/<number>/downloads/<int:line_id>")
def download_page(number: str, line_id: int):
    """The link in the email: a page with the download button. Opening it counts nothing."""
    return _download_page(number, line_id, request.args.get("token"))


@bp.post("/orders/<number>/downloads/<int:line_id>")
def download(number: str, line_id: int):
    form = DownloadForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        file = downloads.take_download(number, line_id, form.token.data, folder=current_app.config["DOWNLOADS_DIR"])
    except downloads.DownloadUnavailable as gone:
        return _download_page(number, line_id, form.token.data, gone.status)
    return send_file(file.path, as_attachment=True, download_name=file.download_name, max_age=0, conditional=False,
                     etag=False)


@bp.post("/orders/<number>/downloads/<int:line_id>/fresh-link")
@limiter.limit("5 per minute;20 per hour")
def fresh_link(number: str, line_id: int):
    form = FreshLinkForm()
    if not form.validate_on_submit():
        abort(400)
    downloads.send_fresh_link(number, line_id, form.token.data,
                              settings=downloads.DownloadSettings.from_config(current_app.config))
    return render_template("orders/fresh_link_sent.html")
