"""The hosted checkout page that ``session.url`` points at.

A plain server-rendered form (no JavaScript) standing in for
checkout.stripe.com: it lists the line items and totals, asks for email, name
and address (prefilled with demo values so a human can just press "Pay"),
offers the session's shipping options and three test payment methods:

* ``card_success``  -- 4242 4242 4242 4242, succeeds immediately;
* ``card_declined`` -- 4000 0000 0000 0002, declined; the session stays open;
* ``delayed``       -- a bank debit that settles later (SEPA/ACH/Bacs by currency).

:func:`parse_checkout_form` is shared with ``POST /_standin/pay/<id>`` so that
tests paying without a browser go through exactly the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from .context import current_store
from .errors import ApiError
from .reference import format_money
from .store import CheckoutError, CheckoutForm, PayResult, Store

bp = Blueprint("hosted", __name__)

DEMO_EMAIL = "jenny.rosen@example.com"
DEMO_NAME = "Jenny Rosen"
DEMO_PHONE = "+49 30 901820"
# (line1, line2, city, state, postal_code) per country, for prefilled forms.
DEMO_ADDRESSES: dict[str, tuple[str, str, str, str, str]] = {
    "US": ("354 Oyster Point Blvd", "", "South San Francisco", "CA", "94080"),
    "DE": ("Unter den Linden 1", "", "Berlin", "", "10117"),
    "AT": ("Stephansplatz 1", "", "Wien", "", "1010"),
    "CH": ("Bahnhofstrasse 1", "", "Zürich", "", "8001"),
    "GB": ("10 Downing Street", "", "London", "", "SW1A 2AA"),
    "FR": ("1 Rue de Rivoli", "", "Paris", "", "75001"),
    "NL": ("Dam 1", "", "Amsterdam", "", "1012 JS"),
}
_COUNTRY_BY_CURRENCY = {"usd": "US", "eur": "DE", "gbp": "GB", "chf": "CH"}
BILLING_COUNTRIES = ("US", "DE", "AT", "CH", "GB", "FR", "NL", "IT", "ES", "BE", "CA", "AU")

PAYMENT_METHOD_LABELS = {
    "card_success": "Card 4242 4242 4242 4242 (succeeds)",
    "card_declined": "Card 4000 0000 0000 0002 (declined)",
    "delayed": "Bank debit: settles later",
}

_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The Markdown Checkout allows in custom text: **bold** and [links](https://...).
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
_LINK_RE = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")


def custom_text_html(text: str | None) -> Markup | None:
    """A session's custom text as Checkout shows it: escaped, then bold and links."""
    if not text:
        return None
    html = str(escape(text))
    html = _LINK_RE.sub(r'<a href="\2">\1</a>', html)
    return Markup(_BOLD_RE.sub(r"<strong>\1</strong>", html))


def country_choices(session: dict[str, Any]) -> tuple[str, ...]:
    collection = session["shipping_address_collection"]
    return tuple(collection["allowed_countries"]) if collection else BILLING_COUNTRIES


def default_values(session: dict[str, Any]) -> dict[str, str]:
    """Demo values for the form: the customer only has to press "Pay"."""
    choices = country_choices(session)
    preferred = _COUNTRY_BY_CURRENCY.get(session["currency"], "US")
    country = preferred if preferred in choices else choices[0]
    line1, line2, city, state, postal_code = DEMO_ADDRESSES.get(
        country, ("1 Demo Street", "", "Demo City", "", "12345")
    )
    options = session["shipping_options"]
    return {
        "email": session["customer_email"] or DEMO_EMAIL,
        "name": DEMO_NAME,
        "line1": line1,
        "line2": line2,
        "city": city,
        "state": state,
        "postal_code": postal_code,
        "country": country,
        "shipping_rate": session["shipping_cost"]["shipping_rate"] if options else "",
        "method": "card_success",
        "phone": DEMO_PHONE if session["phone_number_collection"]["enabled"] else "",
    }


def parse_checkout_form(
    session: dict[str, Any], form: Mapping[str, str], *, fill_defaults: bool
) -> tuple[CheckoutForm | None, dict[str, str], dict[str, str]]:
    """Validate submitted fields; returns ``(form, errors, values_to_redisplay)``.

    With ``fill_defaults`` (the test control) missing fields take the demo
    values; the HTML form always submits every field.
    """
    defaults = default_values(session)
    values = {key: (form.get(key) or "").strip() for key in defaults}
    if fill_defaults:
        values = {key: values[key] or defaults[key] for key in defaults}
    if session["customer_email"]:
        # Checkout shows a prefilled customer_email read-only.
        values["email"] = session["customer_email"]

    errors: dict[str, str] = {}
    if not _EMAIL_RE.fullmatch(values["email"]):
        errors["email"] = "Your email address is incomplete or invalid."
    if not values["name"]:
        errors["name"] = "Please enter your name."
    if session["phone_number_collection"]["enabled"] and not values["phone"]:
        errors["phone"] = "Please enter your phone number."
    shipping = session["shipping_address_collection"] is not None
    if shipping:
        for field, label in (("line1", "address"), ("city", "city"), ("postal_code", "postal code")):
            if not values[field]:
                errors[field] = f"Please enter your {label}."
    if values["country"] not in country_choices(session):
        errors["country"] = f"Country {values['country'] or '(empty)'} is not available for this order."
    if session["shipping_options"] and values["shipping_rate"] not in {
        o["shipping_rate"] for o in session["shipping_options"]
    }:
        errors["shipping_rate"] = "Please choose a shipping option."
    if session["amount_total"] > 0 and values["method"] not in PAYMENT_METHOD_LABELS:
        errors["method"] = "Please choose a payment method."
    if errors:
        return None, errors, values
    return (
        CheckoutForm(
            method=values["method"],
            email=values["email"],
            name=values["name"],
            line1=values["line1"] or None,
            line2=values["line2"] or None,
            city=values["city"] or None,
            state=values["state"] or None,
            postal_code=values["postal_code"] or None,
            country=values["country"],
            shipping_rate=values["shipping_rate"] or None,
            phone=values["phone"] or None,
        ),
        errors,
        values,
    )


def read_checkout_form(
    store: Store, session_id: str, submitted: Mapping[str, str], *, fill_defaults: bool
) -> tuple[CheckoutForm | None, dict[str, str], dict[str, str]]:
    """:func:`parse_checkout_form` for a session that can still be paid (CheckoutError if not)."""
    with store.lock:
        session = store.ensure_payable(session_id)
        return parse_checkout_form(session, submitted, fill_defaults=fill_defaults)


def _page_context(session_id: str) -> dict[str, Any]:
    store = current_store()
    with store.lock:
        session = store.expand(store.get_session(session_id), ["line_items"])
        rates = [store.shipping_rates[o["shipping_rate"]] for o in session["shipping_options"]]
    currency = session["currency"]
    shipping_choices = [
        {
            "id": rate["id"],
            "name": rate["display_name"],
            "price": format_money(rate["fixed_amount"]["amount"], currency),
            "total": format_money(session["amount_subtotal"] + rate["fixed_amount"]["amount"], currency),
            "estimate": _estimate_text(rate["delivery_estimate"]),
        }
        for rate in rates
    ]
    return {
        "session": session,
        "money": lambda amount: format_money(amount, currency),
        "shipping_choices": shipping_choices,
        "countries": country_choices(session),
        "methods": PAYMENT_METHOD_LABELS,
        "custom_text": {
            name: custom_text_html((value or {}).get("message")) for name, value in session["custom_text"].items()
        },
    }


def _estimate_text(estimate: dict[str, Any] | None) -> str:
    if not estimate:
        return ""
    low, high = estimate.get("minimum"), estimate.get("maximum")

    def fmt(bound: dict[str, Any]) -> str:
        unit = bound["unit"].replace("_", " ")
        return f"{bound['value']} {unit}{'s' if bound['value'] != 1 else ''}"

    if low and high:
        return f"{low['value']}–{fmt(high)}"
    return fmt(low or high)


def render_checkout(
    session_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    decline: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    context = _page_context(session_id)
    session = context["session"]
    if session["status"] != "open":
        # Complete or expired: nothing to pay any more (``notice`` says why a POST failed).
        return Response(render_template("closed.html", notice=notice, **context), status=status)
    return Response(
        render_template(
            "checkout.html",
            values=values or default_values(session),
            errors=errors or {},
            decline=decline,
            notice=notice,
            **context,
        ),
        status=status,
    )


@bp.get("/pay/<session_id>")
def checkout_page(session_id: str) -> Response:
    return render_checkout(session_id)


@bp.post("/pay/<session_id>")
def submit_checkout(session_id: str) -> Response:
    store = current_store()
    try:
        form, errors, values = read_checkout_form(store, session_id, request.form, fill_defaults=False)
    except CheckoutError as error:
        return render_checkout(session_id, notice=error.message, status=error.status)
    if form is None:
        return render_checkout(session_id, values=values, errors=errors, status=400)
    try:
        result = store.pay(session_id, form)
    except CheckoutError as error:
        return render_checkout(session_id, values=values, notice=error.message, status=error.status)
    if result.outcome == "declined":
        return render_checkout(session_id, values=values, decline=result.message, status=402)
    return redirect(_after_payment_url(result), code=303)


def _after_payment_url(result: PayResult) -> str:
    return result.redirect_url or url_for("hosted.checkout_page", session_id=result.session["id"])


@bp.errorhandler(ApiError)
def _not_found(error: ApiError) -> Response:
    return Response(
        render_template(
            "message.html",
            title="Not found",
            message=error.message,
        ),
        status=error.status,
    )


@bp.get("/receipts/<charge_id>")
def receipt(charge_id: str) -> Response:
    store = current_store()
    with store.lock:
        charge = dict(store.get_charge(charge_id))
    return Response(
        render_template(
            "receipt.html",
            charge=charge,
            money=lambda amount: format_money(amount, charge["currency"]),
        )
    )
