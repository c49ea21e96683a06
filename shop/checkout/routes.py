from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from shop.cart.cookie import current_cart_token
from shop.checkout import services
from shop.orders.models import OrderStatus
from shop.orders.services import OrderNotFound, OutOfStock
from shop.payments.gateway import PaymentProviderUnavailable

bp = Blueprint("checkout", __name__)


@bp.post("/checkout")
def start():
    settings = services.CheckoutSettings.from_config(current_app.config)
    try:
        url = services.start_checkout(current_cart_token(), settings)
    except (services.CartNotReady, OutOfStock) as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("cart.show"), code=303)
    except services.PaymentUnavailable:
        return render_template("checkout/unavailable.html"), 503
    return redirect(url, code=303)


@bp.get("/checkout/success")
def success():
    session_id = request.args.get("session_id", "")
    try:
        order = services.confirm_from_success_page(session_id)
    except OrderNotFound:
        abort(404)
    return render_template("checkout/success.html", order=order)


@bp.get("/checkout/cancel")
def cancel():
    try:
        order = services.cancel_checkout(request.args.get("order", ""), current_cart_token())
    except OrderNotFound:
        abort(404)
    except PaymentProviderUnavailable:
        return render_template("checkout/unavailable.html"), 503
    if order.is_paid:
        flash(f"Your order {order.number} is already paid. Thank you!", "success")
        return redirect(url_for("main.home"), code=303)
    if order.status is OrderStatus.PENDING:
        # A bank payment already under way, or Stripe out of reach: nothing to undo here.
        flash(f"Your order {order.number} is still open while its payment is confirmed. If you did not pay, "
              "it closes by itself within the hour and nothing is charged. Your cart still holds everything.", "success")
        return redirect(url_for("cart.show"), code=303)
    flash("You did not pay, and nothing was charged. Your cart still holds everything.", "success")
    return redirect(url_for("cart.show"), code=303)
