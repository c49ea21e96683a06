from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for

from shop.cart.cookie import cart_rate_key, current_cart_token
from shop.cart.routes import show_cart_with_notice
from shop.cart.services import CartNeedsChanges
from shop.checkout import services, webhooks
from shop.extensions import limiter
from shop.observability import count_webhook
from shop.orders.models import OrderStatus
from shop.orders.services import OutOfStock
from shop.payments import gateway
from shop.same_origin import other_sites_may_post, shopper_form
from shop.security import no_store

bp = Blueprint("checkout", __name__)
bp.register_error_handler(CartNeedsChanges, show_cart_with_notice)
bp.register_error_handler(OutOfStock, show_cart_with_notice)


@bp.post("/checkout")
@limiter.limit(lambda: current_app.config["CHECKOUT_LIMIT_PER_CLIENT"])
@limiter.limit(lambda: current_app.config["CHECKOUT_LIMIT_PER_CART"], key_func=cart_rate_key)
@shopper_form
def start():
    url = services.start_checkout(current_cart_token(), services.CheckoutSettings.from_config(current_app.config))
    return redirect(url, code=303)


@bp.get("/checkout/success")
@no_store
def success():
    view = services.confirm_from_success_page(request.args.get("session_id", ""), current_cart_token())
    response = make_response(render_template("checkout/success.html", view=view, order=view.order))
    # It can show an address: no cache keeps a copy, and no other site learns the address.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/checkout/cancel")
@no_store
def cancel_page():
    """Where Stripe's "back" link leads. It changes nothing: the shopper cancels with the
    button on it, or leaves, and Stripe's expiry hands the stock back."""
    order = services.order_to_cancel(request.args.get("order", ""), current_cart_token())
    state = "paid" if order.is_paid else "open" if order.status is OrderStatus.PENDING else "closed"
    return render_template("checkout/cancel.html", order=order, state=state)


@bp.post("/checkout/cancel")
@shopper_form
def cancel():
    order = services.cancel_checkout(request.form.get("order", ""), current_cart_token())
    if order.is_paid:
        flash(f"Your order {order.number} is already paid. Thank you!", "success")
        return redirect(url_for("storefront.home"), code=303)
    if order.status is OrderStatus.PENDING:
        # A bank payment already under way, or Stripe out of reach: nothing to undo here.
        flash(f"Your order {order.number} is still open while its payment is confirmed. If you did not pay, "
              "it closes by itself within the hour and nothing is charged. Your cart still holds everything.", "success")
        return redirect(url_for("cart.show"), code=303)
    flash("You did not pay, and nothing was charged. Your cart still holds everything.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/webhooks/stripe")
@other_sites_may_post  # Stripe's servers post here; the signature is their proof
def stripe_webhook():
    payload = request.get_data(cache=False, as_text=False)
    try:
        event = gateway.verify_webhook(payload, request.headers.get("Stripe-Signature"))
    except gateway.InvalidWebhook as exc:
        current_app.logger.warning("rejected a Stripe webhook: %s", exc)
        count_webhook("unverified", "invalid signature")
        return jsonify(error="invalid signature"), 400
    try:
        outcome = webhooks.handle_event(event)
    except gateway.PaymentProviderUnavailable:
        # Nothing was recorded: Stripe retries the delivery later, when we can ask it again.
        count_webhook(event["type"], "stripe unavailable")
        return jsonify(error="could not read the object from Stripe; please retry"), 503
    count_webhook(event["type"], outcome)
    return jsonify(received=True, outcome=outcome)
