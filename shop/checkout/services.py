"""Checkout: the one place that coordinates cart -> order -> Stripe -> fulfilment.

start_checkout: one transaction reserves stock and creates the pending order from
database prices; then Stripe is asked for a Checkout Session (outside the transaction,
so no lock is held during a network call); then a second short transaction stores the
session, or, if Stripe failed, hands the stock back.

fulfil_order: the one fulfilment path (success page, webhook, reconciliation): the order
is marked paid and the cart it came from is emptied, in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import select

from shop.cart.services import CartNeedsChanges, empty_cart, lock_cart, view_cart
from shop.catalog.services import products_by_id
from shop.database import begin_write, utcnow, write_transaction
from shop.errors import NotFound, Unavailable
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.downloads import LineDownload, line_downloads
from shop.orders.emails import order_page_url
from shop.orders.models import EventKind, Order, OrderStatus
from shop.payments import gateway
from shop.policies.services import policy_path

# Stripe accepts 30 minutes to 24 hours; a minute more than the least keeps a slow
# clock or a slow network from turning "30 minutes" into a refusal.
SESSION_LIFETIME = timedelta(minutes=31)


class CartNotReady(CartNeedsChanges):
    """The cart cannot be checked out as it is (empty, or lines marked for changes)."""


class PaymentUnavailable(Unavailable):
    """Stripe could not start the payment. Nothing was charged; the cart is kept."""

    title = "Payment is unavailable right now"
    next_step = ("Back to your cart", "cart.show")

    def __init__(self) -> None:
        super().__init__("We could not reach our payment service. Nothing was charged. "
                         "Your cart still holds everything. Please try again in a few minutes.")


@dataclass(frozen=True)
class CheckoutSettings:
    currency: str
    max_per_line: int
    base_url: str
    shipping_countries: tuple[str, ...]
    shipping_flat_cents: int
    free_shipping_from_cents: int
    automatic_tax: bool
    allow_promotion_codes: bool
    return_window_days: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "CheckoutSettings":
        return cls(
            currency=config["SHOP_CURRENCY"],
            max_per_line=config["CART_MAX_QUANTITY"],
            base_url=config["SHOP_BASE_URL"],
            shipping_countries=tuple(config["SHIPPING_COUNTRIES"]),
            shipping_flat_cents=config["SHIPPING_FLAT_CENTS"],
            free_shipping_from_cents=config["FREE_SHIPPING_FROM_CENTS"],
            automatic_tax=config["STRIPE_AUTOMATIC_TAX"],
            allow_promotion_codes=config["STRIPE_ALLOW_PROMOTION_CODES"],
            return_window_days=config["RETURN_WINDOW_DAYS"],
        )

    def shipping_for(self, subtotal_cents: int, needs_shipping: bool) -> int:
        if not needs_shipping or subtotal_cents >= self.free_shipping_from_cents:
            return 0
        return self.shipping_flat_cents


def build_session_params(order: Order, settings: CheckoutSettings, *, needs_shipping: bool, now: datetime) -> dict[str, Any]:
    """The Checkout Session request, built only from our database's order. Pure."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": order.currency,
                    "unit_amount": line.unit_price_cents,
                    "product_data": {"name": line.product_name, "metadata": {"sku": line.sku}},
                },
                "quantity": line.quantity,
            }
            for line in order.lines
        ],
        "client_reference_id": order.number,
        "metadata": {"order_number": order.number},
        "payment_intent_data": {"metadata": {"order_number": order.number}},
        "success_url": f"{settings.base_url}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{settings.base_url}/checkout/cancel?order={order.number}",
        "expires_at": int((now + SESSION_LIFETIME).timestamp()),
        # Checkout shows this above its Pay button, with working links. (Its terms checkbox,
        # consent_collection, needs a terms URL in the Stripe account's settings; this works
        # on any account.)
        "custom_text": {"submit": {"message": terms_text(settings)}},
    }
    if needs_shipping:
        free = order.shipping_cents == 0
        params["shipping_address_collection"] = {"allowed_countries": list(settings.shipping_countries)}
        params["shipping_options"] = [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Free shipping" if free else "Standard shipping",
                    "fixed_amount": {"amount": order.shipping_cents, "currency": order.currency},
                    "delivery_estimate": {
                        "minimum": {"unit": "business_day", "value": 3},
                        "maximum": {"unit": "business_day", "value": 7},
                    },
                }
            }
        ]
    if settings.automatic_tax:
        params["automatic_tax"] = {"enabled": True}
    if settings.allow_promotion_codes:
        params["allow_promotion_codes"] = True
    return params


def terms_text(settings: CheckoutSettings) -> str:
    """The words (Checkout's Markdown) shown next to Stripe's Pay button."""
    terms = settings.base_url + policy_path("terms")
    returns = settings.base_url + policy_path("returns")
    return (f"By paying, you agree to our [terms of sale]({terms}). You may send products back within "
            f"{settings.return_window_days} days of delivery: see [returns and refunds]({returns}).")


def start_checkout(cart_token: str | None, settings: CheckoutSettings) -> str:
    """Create the pending order and its Stripe session; return the URL to send the
    shopper to. Raises CartNotReady or orders.OutOfStock (nothing changed) or
    PaymentUnavailable (order cancelled, stock handed back, cart kept)."""
    order, needs_shipping = _create_pending_order(cart_token, settings)
    now = utcnow()
    params = build_session_params(order, settings, needs_shipping=needs_shipping, now=now)
    order_id = order.id
    try:
        session = gateway.create_checkout_session(params, idempotency_key=f"checkout-session-{order.number}")
    except (gateway.PaymentProviderUnavailable, gateway.PaymentProviderRefused) as exc:
        begin_write()
        order = orders.lock_order(order_id=order_id)
        orders.cancel_pending_order(order, source="checkout", message=f"Payment unavailable, nothing charged: {exc}"[:500])
        db.session.commit()
        raise PaymentUnavailable() from exc

    begin_write()
    order = orders.lock_order(order_id=order_id)
    if order.status is not OrderStatus.PENDING:
        # Superseded while Stripe answered (a double submit): close this session too.
        db.session.commit()
        _expire_quietly(session["id"])
        raise CartNotReady("Your checkout was started twice. Please press Checkout once more.")
    order.stripe_session_id = session["id"]
    order.session_url = session.get("url")
    expires = session.get("expires_at") or params["expires_at"]
    order.session_expires_at = datetime.fromtimestamp(int(expires), tz=now.tzinfo)
    order.record(EventKind.CHECKOUT_STARTED, source="checkout", message=f"Stripe Checkout Session {session['id']} created")
    db.session.commit()
    return session["url"]


def _create_pending_order(cart_token: str | None, settings: CheckoutSettings) -> tuple[Order, bool]:
    superseded_sessions = []
    with write_transaction():
        cart = lock_cart(cart_token)
        if cart is None:
            raise CartNotReady("Your cart is empty.")
        # One cart, one open checkout: an earlier pending order of this cart (the Back
        # button on Stripe's page, a double click) hands its stock back first, so this one
        # can take it. Nothing is committed unless the new order is made.
        superseded = orders.pending_orders_of_cart(cart.token)
        if superseded:  # their units go back and the new order's are taken: lock all in one order
            orders.lock_products([line.product_id for old in superseded for line in old.lines if line.product_id]
                                 + [line.product_id for line in cart.lines])
        for old in superseded:
            orders.cancel_pending_order(old, source="checkout", message="Superseded by a new checkout of the same cart")
            if old.stripe_session_id:
                superseded_sessions.append(old.stripe_session_id)

        view = view_cart(cart.token, settings.currency, settings.max_per_line)
        if view.is_empty:
            raise CartNotReady("Your cart is empty.")
        if not view.can_checkout:
            raise CartNotReady("Please fix the items marked in your cart before you check out.")
        needs_shipping = any(not line.product.is_digital for line in view.lines)
        products = products_by_id([line.product.id for line in view.lines])
        order = orders.place_pending_order(
            [orders.LineToOrder(products[line.product.id], line.quantity, line.unit_price_cents, line.source_article_id)
             for line in view.lines],
            currency=settings.currency,
            shipping_cents=settings.shipping_for(view.subtotal_cents, needs_shipping),
            cart_token=cart.token,
        )
    for session_id in superseded_sessions:
        _expire_quietly(session_id)
    return order, needs_shipping


def _expire_quietly(session_id: str) -> None:
    try:
        gateway.expire_checkout_session(session_id)
    except (gateway.PaymentProviderUnavailable, gateway.PaymentProviderRefused):
        pass  # it expires by itself; its webhook finds the order already closed


def fulfil_order(session: dict[str, Any], *, source: str) -> orders.FulfilResult:
    """The one fulfilment path, for the success page, the webhook and reconciliation.

    Idempotent and transactional: running it twice, or from two processes at once,
    changes nothing the second time (the order row is locked; a paid order is left be).
    """
    begin_write()
    result = apply_paid_session(session, source=source)
    db.session.commit()
    return result


def apply_paid_session(session: dict[str, Any], *, source: str) -> orders.FulfilResult:
    """In the caller's transaction: the order is paid, and the cart it came from emptied."""
    result = orders.apply_paid_session(session, source=source)
    if result.outcome == "fulfilled" and result.order.cart_token:
        empty_cart(result.order.cart_token)
    return result


class CheckoutNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("We can't find that checkout. If you paid, your confirmation email has your order number.")


@dataclass(frozen=True)
class SuccessView:
    """The success page. Its address travels in browser histories and shared screenshots,
    so the details (lines, address, download links) are for the browser that checked out
    (its cart cookie) only; anyone else learns just that the order is confirmed."""

    order: Order
    is_shoppers_browser: bool
    downloads: list[LineDownload]
    order_url: str | None


def confirm_from_success_page(session_id: str, cart_token: str | None) -> SuccessView:
    """The shopper is back from Stripe: fulfil now rather than wait for the webhook.
    Raises CheckoutNotFound for a session we did not create. Stripe is asked only while
    the order is pending: once it is paid (or closed), what Stripe said is in the order,
    so reloading the page, or a crawler following the link, never calls Stripe."""
    if not session_id.startswith("cs_") or len(session_id) > 255:
        raise CheckoutNotFound()
    order = db.session.scalar(select(Order).where(Order.stripe_session_id == session_id))
    if order is None:
        raise CheckoutNotFound()
    if order.status is OrderStatus.PENDING:
        known = order.id
        try:
            session = gateway.retrieve_checkout_session(session_id)
        except gateway.PaymentProviderRefused as exc:
            raise CheckoutNotFound() from exc
        except gateway.PaymentProviderUnavailable:
            # Stripe is slow right now: the webhook will fulfil; show what we know.
            order = db.session.get(Order, known)
        else:
            order = fulfil_order(session, source="success page").order or db.session.get(Order, known)
    mine = bool(cart_token) and order.cart_token == cart_token
    return SuccessView(
        order=order,
        is_shoppers_browser=mine,
        downloads=line_downloads(order, utcnow()) if mine and order.is_paid else [],
        order_url=order_page_url(order) if mine else None,
    )


def order_to_cancel(order_number: str, cart_token: str | None) -> Order:
    """The order a shopper back from Stripe's page may cancel: only the cart that started
    it may see it (CheckoutNotFound otherwise). Reads only: a GET never cancels, since
    link prefetchers and crawlers follow links."""
    order = db.session.scalar(select(Order).where(Order.number == order_number[:20]))
    if order is None or not cart_token or order.cart_token != cart_token:
        raise CheckoutNotFound()
    return order


def cancel_checkout(order_number: str, cart_token: str | None) -> Order:
    """The shopper asked to cancel (a POST from the cancel page): close the session at
    Stripe and hand the stock back. Only the cart that started the order may cancel it."""
    order = order_to_cancel(order_number, cart_token)
    if order.status is not OrderStatus.PENDING:
        return order
    order_id, session_id = order.id, order.stripe_session_id
    begin_write()
    order = orders.lock_order(order_id=order_id)
    if order.cancel_requested_at is None:
        order.cancel_requested_at = utcnow()
        order.record(EventKind.CANCEL_REQUESTED, source="shopper", message="Shopper asked to cancel")
    db.session.commit()
    if session_id:
        try:
            gateway.expire_checkout_session(session_id)
        except gateway.PaymentProviderRefused:
            # Already complete (paid in another tab) or already expired: ask what happened.
            try:
                session = gateway.retrieve_checkout_session(session_id)
            except gateway.PaymentProviderUnavailable as exc:
                raise PaymentUnavailable() from exc
            if session.get("status") == "complete":
                return fulfil_order(session, source="cancel page").order or order
        except gateway.PaymentProviderUnavailable:
            # Cannot reach Stripe: leave the order pending; the session expires by itself
            # and its webhook (or reconciliation) marks it cancelled and hands stock back.
            return order
    begin_write()
    order = orders.lock_order(order_id=order_id)
    orders.cancel_pending_order(order, source="shopper", message=orders.SHOPPER_CANCELLED)
    db.session.commit()
    return order
