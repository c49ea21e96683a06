"""Paying a Checkout Session, as the hosted page and ``POST /_standin/pay`` do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import objects
from .payments import DECLINE_MESSAGE, PAYMENT_METHODS
from .sessions import SessionsMixin, recompute_totals
from .state import NO_REQUEST


@dataclass
class CheckoutForm:
    """What the customer submitted on the hosted page (already validated for format)."""

    method: str
    email: str
    name: str
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    shipping_rate: str | None = None
    phone: str | None = None


@dataclass
class PayResult:
    outcome: str  # succeeded | processing | declined | no_payment_required
    session: dict[str, Any]
    redirect_url: str | None
    message: str | None = None


class CheckoutError(Exception):
    """The hosted page cannot take a payment for this session (not open, bad input)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


_NOT_OPEN_MESSAGES = {
    "complete": "This Checkout Session is already complete.",
    "expired": "This Checkout Session has expired and can no longer be paid.",
}

# The session's payment_status once the payment went through (or is on its way).
_PAYMENT_STATUS = {"succeeded": "paid", "processing": "unpaid"}


class CheckoutMixin(SessionsMixin):
    def ensure_payable(self, session_id: str) -> dict[str, Any]:
        """The open session, or CheckoutError (409) if it is complete or expired.

        A session whose ``expires_at`` passed but that the sweeper has not
        reached yet is expired right here, so it can never be paid late.
        """
        with self.lock:
            session = self.get_session(session_id)
            if self._past_expiry(session):
                self._expire(session, NO_REQUEST)
            if session["status"] != "open":
                raise CheckoutError(_NOT_OPEN_MESSAGES[session["status"]], status=409)
            return session

    def pay(self, session_id: str, form: CheckoutForm) -> PayResult:
        with self.lock:
            session = self.ensure_payable(session_id)
            self._apply_shipping_choice(session, form.shipping_rate)
            collection = session["shipping_address_collection"]
            if collection and form.country not in collection["allowed_countries"]:
                raise CheckoutError(f"We do not ship to {form.country}.", status=400)

            addr = objects.address(form.line1, form.line2, form.city, form.state, form.postal_code, form.country)
            details = objects.customer_details(form.email, form.name, addr, phone=form.phone)
            shipping_details = {"address": addr, "name": form.name} if collection else None

            if session["amount_total"] == 0:
                # Nothing to pay (e.g. free items): Checkout completes without a PaymentIntent.
                self._complete(session, details, shipping_details, "no_payment_required")
                return PayResult("no_payment_required", session, _success_redirect(session))

            if form.method not in PAYMENT_METHODS:
                raise CheckoutError("Choose a payment method.", status=400)
            pi = self._payment_intent_for(session, form.name, addr if collection else None)
            billing = objects.billing_details(form.email, form.name, addr, phone=form.phone)
            outcome = self._attempt_payment(pi, form.method, billing, self.session_base_url[session["id"]])
            if outcome == "declined":
                return PayResult("declined", session, None, DECLINE_MESSAGE)
            self._complete(session, details, shipping_details, _PAYMENT_STATUS[outcome])
            return PayResult(outcome, session, _success_redirect(session))

    def _apply_shipping_choice(self, session: dict[str, Any], rate_id: str | None) -> None:
        options = [o["shipping_rate"] for o in session["shipping_options"]]
        if not options:
            return
        if rate_id is None:
            rate_id = session["shipping_cost"]["shipping_rate"]
        if rate_id not in options:
            raise CheckoutError("Choose one of the offered shipping options.", status=400)
        session["shipping_cost"] = objects.shipping_cost(self.shipping_rates[rate_id])
        recompute_totals(session, self.line_items[session["id"]])

    def _complete(
        self,
        session: dict[str, Any],
        details: dict[str, Any],
        shipping_details: dict[str, Any] | None,
        payment_status: str,
    ) -> None:
        session["status"] = "complete"
        session["payment_status"] = payment_status
        session["url"] = None
        session["customer_details"] = details
        session["collected_information"] = {
            "business_name": None,
            "individual_name": None,
            "shipping_details": shipping_details,
        }
        if session["automatic_tax"]["enabled"]:
            session["automatic_tax"]["status"] = "complete"
        self._emit("checkout.session.completed", session, NO_REQUEST)


def _success_redirect(session: dict[str, Any]) -> str | None:
    url = session["success_url"]
    return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None
