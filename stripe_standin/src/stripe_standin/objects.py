"""Builders for Stripe API objects, shaped like API version ``2026-10-28.endive``.

Every field stripe-python 16.1.0 declares for these classes is present, with
``null`` where the stand-in has nothing to say, so attribute access on the
typed objects never fails.  Things to know about this API version (they differ
from older Stripe tutorials):

* Checkout Session shipping lives in ``collected_information.shipping_details``
  (the top-level ``shipping_details`` was removed in 2025-03-31.basil).
* ``ui_mode`` of a redirect session is ``hosted_page``.
* A PaymentIntent is created when the customer confirms, not with the Session,
  so ``payment_intent`` is ``null`` on a fresh Session.
* PaymentIntents point at ``latest_charge``; there is no ``charges`` list, and
  Charge ``refunds`` are not included unless expanded.

Key order in responses (``id``, ``object`` first, then alphabetical) is handled
by :func:`stripe_ordered` at serialisation time, so builders can be readable.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """Random Stripe-looking id, e.g. ``pi_3Q...`` (24 random characters)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_session_id() -> str:
    # Real test-mode Checkout Session ids are long: cs_test_a1 + 56 characters.
    return "cs_test_a1" + "".join(secrets.choice(_ALPHABET) for _ in range(56))


def new_request_id() -> str:
    return new_id("req_", 14)


def stripe_ordered(value: Any, _key: str | None = None) -> Any:
    """Order keys like Stripe's JSON: ``id``, ``object``, then alphabetical.

    Metadata keeps the caller's order (it is user data, not schema).
    """
    if isinstance(value, dict):
        if _key == "metadata":
            return dict(value)
        head = [k for k in ("id", "object") if k in value]
        rest = sorted(k for k in value if k not in ("id", "object"))
        return {k: stripe_ordered(value[k], k) for k in head + rest}
    if isinstance(value, list):
        return [stripe_ordered(v, _key) for v in value]
    return value


def list_object(data: list[dict[str, Any]], url: str, has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def address(
    line1: str | None = None,
    line2: str | None = None,
    city: str | None = None,
    state: str | None = None,
    postal_code: str | None = None,
    country: str | None = None,
) -> dict[str, Any]:
    return {
        "city": city,
        "country": country,
        "line1": line1,
        "line2": line2,
        "postal_code": postal_code,
        "state": state,
    }


# --------------------------------------------------------------------------
# Catalog objects created inline by price_data / shipping_rate_data
# --------------------------------------------------------------------------


def product(data: dict[str, Any], created: int) -> dict[str, Any]:
    return {
        "id": new_id("prod_", 14),
        "object": "product",
        # Products/prices created inline by Checkout are not active catalog items.
        "active": False,
        "created": created,
        "default_price": None,
        "description": data.get("description"),
        "images": data.get("images", []),
        "livemode": False,
        "marketing_features": [],
        "metadata": data.get("metadata", {}),
        "name": data["name"],
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": data.get("tax_code"),
        "tax_details": None,
        "type": "service",
        "unit_label": data.get("unit_label"),
        "updated": created,
        "url": None,
    }


def price(data: dict[str, Any], product_id: str, created: int) -> dict[str, Any]:
    return {
        "id": new_id("price_1"),
        "object": "price",
        "active": False,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": data["currency"],
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": product_id,
        "recurring": None,
        "tax_behavior": data.get("tax_behavior", "unspecified"),
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "one_time",
        "unit_amount": data["unit_amount"],
        "unit_amount_decimal": str(data["unit_amount"]),
    }


def line_item(price_obj: dict[str, Any], description: str, quantity: int, metadata: dict[str, str]) -> dict[str, Any]:
    amount = price_obj["unit_amount"] * quantity
    return {
        "id": new_id("li_1"),
        "object": "item",
        "adjustable_quantity": None,
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": price_obj["currency"],
        "description": description,
        "metadata": metadata,
        "price": price_obj,
        "quantity": quantity,
    }


def shipping_rate(data: dict[str, Any], created: int) -> dict[str, Any]:
    fixed = data.get("fixed_amount")
    return {
        "id": new_id("shr_1"),
        "object": "shipping_rate",
        "active": True,
        "created": created,
        "delivery_estimate": data.get("delivery_estimate"),
        "display_name": data["display_name"],
        "fixed_amount": {"amount": fixed["amount"], "currency": fixed["currency"]} if fixed else None,
        "livemode": False,
        "metadata": data.get("metadata", {}),
        "tax_behavior": data.get("tax_behavior", "unspecified"),
        "tax_code": data.get("tax_code"),
        "type": data.get("type", "fixed_amount"),
    }


# --------------------------------------------------------------------------
# Checkout Session
# --------------------------------------------------------------------------


def checkout_session(
    *,
    session_id: str,
    created: int,
    expires_at: int,
    params: dict[str, Any],
    currency: str,
    url: str,
    shipping_options: list[dict[str, Any]],
    payment_method_types: list[str],
    account_name: str,
) -> dict[str, Any]:
    automatic_tax_enabled = params.get("automatic_tax", {}).get("enabled", False)
    given = params.get("custom_text", {})
    address_collection = params.get("shipping_address_collection")
    return {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": params.get("allow_promotion_codes"),
        "allowed_payment_method_types": None,
        "amount_subtotal": 0,
        "amount_total": 0,
        "automatic_tax": {
            "enabled": automatic_tax_enabled,
            "liability": {"type": "self"} if automatic_tax_enabled else None,
            "provider": "stripe" if automatic_tax_enabled else None,
            "status": "requires_location_inputs" if automatic_tax_enabled else None,
        },
        "billing_address_collection": params.get("billing_address_collection"),
        "branding_settings": {
            "background_color": "#ffffff",
            "border_style": "rounded",
            "button_color": "#0074d4",
            "display_name": account_name,
            "font_family": "default",
            "icon": None,
            "logo": None,
        },
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            name: ({"message": given[name]["message"]} if given.get(name) else None)
            for name in ("after_submit", "shipping_address", "submit", "terms_of_service_acceptance")
        },
        "customer": None,
        "customer_account": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "discounts": [],
        "excluded_payment_method_types": None,
        "expires_at": expires_at,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        },
        "livemode": False,
        "locale": params.get("locale"),
        "managed_payments": None,
        "metadata": params.get("metadata", {}),
        "mode": params["mode"],
        "name_collection": None,
        "optional_items": None,
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": payment_method_types,
        "payment_status": "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": params.get("phone_number_collection", {}).get("enabled", False)},
        "presentment_details": None,
        "recovered_from": None,
        "redirect_on_completion": None,
        "return_url": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": (
            {"allowed_countries": address_collection["allowed_countries"]} if address_collection else None
        ),
        "shipping_cost": None,
        "shipping_options": [
            {"shipping_amount": rate["fixed_amount"]["amount"], "shipping_rate": rate["id"]}
            for rate in shipping_options
        ],
        "status": "open",
        "submit_type": params.get("submit_type"),
        "subscription": None,
        "success_url": params.get("success_url"),
        "tax_id_collection": {"enabled": False, "required": "never"},
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page",
        "url": url,
        "wallet_options": None,
    }


def shipping_cost(rate: dict[str, Any]) -> dict[str, Any]:
    amount = rate["fixed_amount"]["amount"]
    return {"amount_subtotal": amount, "amount_tax": 0, "amount_total": amount, "shipping_rate": rate["id"]}


def customer_details(email: str, name: str, addr: dict[str, Any], phone: str | None = None) -> dict[str, Any]:
    return {
        "address": addr,
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": name,
        "phone": phone,
        "tax_exempt": "none",
        "tax_ids": [],
    }


# --------------------------------------------------------------------------
# Test payment methods
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class StripeTestCard:
    """A Stripe test card (docs.stripe.com/testing#cards)."""

    number: str
    brand: str
    funding: str
    declines: bool

    @property
    def last4(self) -> str:
        return self.number[-4:]


CARD_SUCCESS = StripeTestCard("4242424242424242", "visa", "credit", declines=False)
CARD_DECLINED = StripeTestCard("4000000000000002", "visa", "credit", declines=True)

# The delayed ("bank debit") method depends on what Stripe offers for the
# currency: ACH for usd, Bacs for gbp, SEPA otherwise.
_DELAYED_TYPE_BY_CURRENCY = {"usd": "us_bank_account", "gbp": "bacs_debit"}


def delayed_method_type(currency: str) -> str:
    return _DELAYED_TYPE_BY_CURRENCY.get(currency, "sepa_debit")


def _card_details(card: StripeTestCard, exp_year: int) -> dict[str, Any]:
    return {
        "brand": card.brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
        "country": "US",
        "display_brand": card.brand,
        "exp_month": 12,
        "exp_year": exp_year,
        "fingerprint": "standin" + card.last4,
        "funding": card.funding,
        "generated_from": None,
        "last4": card.last4,
        "networks": {"available": [card.brand], "preferred": None},
        "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
    }


def _bank_details(method_type: str) -> dict[str, Any]:
    if method_type == "us_bank_account":
        return {
            "account_holder_type": "individual",
            "account_type": "checking",
            "bank_name": "STRIPE TEST BANK",
            "fingerprint": "standinach6789",
            "last4": "6789",
            "routing_number": "110000000",
        }
    if method_type == "bacs_debit":
        return {"fingerprint": "standinbacs2345", "last4": "2345", "sort_code": "108800"}
    return {
        "bank_code": "37040044",
        "branch_code": "",
        "country": "DE",
        "fingerprint": "standinsepa3000",
        "last4": "3000",
    }


def payment_method(
    method_type: str,
    billing: dict[str, Any],
    created: int,
    card: StripeTestCard | None = None,
) -> dict[str, Any]:
    pm: dict[str, Any] = {
        "id": new_id("pm_1"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing,
        "created": created,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": method_type,
    }
    if card is not None:
        pm["card"] = _card_details(card, exp_year=_exp_year(created))
    else:
        pm[method_type] = _bank_details(method_type)
    return pm


def _exp_year(created: int) -> int:
    # Any future expiry works for test cards; keep it a few years ahead.
    return 1970 + created // 31_556_952 + 4


def billing_details(email: str, name: str, addr: dict[str, Any], phone: str | None = None) -> dict[str, Any]:
    return {"address": addr, "email": email, "name": name, "phone": phone, "tax_id": None}


def payment_method_details(pm: dict[str, Any]) -> dict[str, Any]:
    method_type = pm["type"]
    if method_type == "card":
        details = dict(pm["card"])
        for key in ("display_brand", "generated_from", "networks", "three_d_secure_usage", "wallet"):
            details.pop(key, None)
        details.update(
            {
                "amount_authorized": None,
                "authorization_code": None,
                "extended_authorization": {"status": "disabled"},
                "incremental_authorization": {"status": "unavailable"},
                "installments": None,
                "mandate": None,
                "multicapture": {"status": "unavailable"},
                "network": pm["card"]["brand"],
                "network_token": {"used": False},
                "network_transaction_id": "standin0000000000",
                "overcapture": {"maximum_amount_capturable": 0, "status": "unavailable"},
                "three_d_secure": None,
                "wallet": None,
            }
        )
        return {"card": details, "type": "card"}
    details = dict(pm[method_type])
    details["mandate"] = new_id("mandate_1")
    return {method_type: details, "type": method_type}


# --------------------------------------------------------------------------
# PaymentIntent, Charge, Refund
# --------------------------------------------------------------------------


def payment_intent(
    *,
    amount: int,
    currency: str,
    created: int,
    metadata: dict[str, str],
    description: str | None,
    receipt_email: str | None,
    payment_method_types: list[str],
) -> dict[str, Any]:
    pi_id = new_id("pi_3")
    return {
        "id": pi_id,
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{pi_id}_secret_{new_id('', 25)}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": None,
        "customer_account": None,
        "description": description,
        "excluded_payment_method_types": None,
        "hooks": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": metadata,
        "next_action": None,
        "on_behalf_of": None,
        "payment_details": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": payment_method_types,
        "payment_record": None,
        "presentment_details": None,
        "processing": None,
        "receipt_email": receipt_email,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }


def pi_shipping(name: str, addr: dict[str, Any]) -> dict[str, Any]:
    return {"address": addr, "carrier": None, "name": name, "phone": None, "tracking_number": None}


OUTCOME_AUTHORIZED = {
    "advice_code": None,
    "network_advice_code": None,
    "network_decline_code": None,
    "network_status": "approved_by_network",
    "reason": None,
    "risk_level": "normal",
    "risk_score": 32,
    "seller_message": "Payment complete.",
    "type": "authorized",
}

OUTCOME_DECLINED = {
    "advice_code": "try_again_later",
    "network_advice_code": None,
    "network_decline_code": None,
    "network_status": "declined_by_network",
    "reason": "generic_decline",
    "risk_level": "normal",
    "risk_score": 32,
    "seller_message": "The bank did not return any further details with this decline.",
    "type": "issuer_declined",
}


def charge(
    *,
    pi: dict[str, Any],
    pm: dict[str, Any],
    created: int,
    status: str,
    receipt_base_url: str,
) -> dict[str, Any]:
    ch_id = new_id("ch_3")
    succeeded = status == "succeeded"
    return {
        "id": ch_id,
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"] if succeeded else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "authorization_code": None,
        # Stripe attaches the balance transaction asynchronously; the stand-in
        # keeps no balance, so it stays null (see README "Where it differs from Stripe").
        "balance_transaction": None,
        "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": "STANDIN SHOP",
        "captured": succeeded,
        "created": created,
        "currency": pi["currency"],
        "customer": None,
        "description": pi["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(pi["metadata"]),
        "on_behalf_of": None,
        "outcome": dict(OUTCOME_AUTHORIZED) if status != "failed" else dict(OUTCOME_DECLINED),
        "paid": succeeded,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": payment_method_details(pm),
        "presentment_details": None,
        "radar_options": {},
        "receipt_email": pi["receipt_email"],
        "receipt_number": None,
        "receipt_url": f"{receipt_base_url}/receipts/{ch_id}",
        "refunded": False,
        "review": None,
        "shipping": pi["shipping"],
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }


def refund(
    *,
    ch: dict[str, Any],
    amount: int,
    created: int,
    reason: str | None,
    metadata: dict[str, str],
) -> dict[str, Any]:
    method_type = ch["payment_method_details"]["type"]
    if method_type == "card":
        destination: dict[str, Any] = {
            "card": {
                "reference": None,
                "reference_status": "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        }
    else:
        destination = {method_type: {}, "type": method_type}
    return {
        "id": new_id("re_3"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": ch["id"],
        "created": created,
        "currency": ch["currency"],
        "destination_details": destination,
        "metadata": metadata,
        "payment_intent": ch["payment_intent"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }


# --------------------------------------------------------------------------
# Dispute
# --------------------------------------------------------------------------

#: ``reason`` values of a Dispute in the pinned version.
DISPUTE_REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "noncompliant",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)

#: Visa's reason codes for the reasons a card dispute usually gives
#: (docs.stripe.com/disputes/categories#network-code-map).
_VISA_REASON_CODES = {
    "fraudulent": "10.4",
    "unrecognized": "10.4",
    "duplicate": "12.6.1",
    "subscription_canceled": "13.2",
    "product_not_received": "13.1",
    "product_unacceptable": "13.3",
    "credit_not_processed": "13.6",
    "general": "13.7",
}

#: Evidence fields that hold text (the others hold File ids, and the stand-in has no Files).
DISPUTE_TEXT_EVIDENCE = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_tracking_number",
    "uncategorized_text",
)
DISPUTE_FILE_EVIDENCE = (
    "cancellation_policy",
    "customer_communication",
    "customer_signature",
    "duplicate_charge_documentation",
    "receipt",
    "refund_policy",
    "service_documentation",
    "shipping_documentation",
    "uncategorized_file",
)


def dispute(
    *, ch: dict[str, Any], amount: int, reason: str, created: int, due_by: int, inquiry: bool
) -> dict[str, Any]:
    """A card Dispute as Stripe opens it: an inquiry (``warning_needs_response``, no money
    taken yet) or a chargeback (``needs_response``)."""
    card = ch["payment_method_details"]["card"]
    network_code = _VISA_REASON_CODES.get(reason) if card["brand"] == "visa" else None
    return {
        "id": new_id("du_1"),
        "object": "dispute",
        "amount": amount,
        # The stand-in keeps no balance (see README), so no funds move on its books.
        "balance_transactions": [],
        "charge": ch["id"],
        "created": created,
        "currency": ch["currency"],
        "enhanced_eligibility_types": [],
        "evidence": {
            **{name: None for name in DISPUTE_TEXT_EVIDENCE + DISPUTE_FILE_EVIDENCE},
            "appeal": None,
            "enhanced_evidence": {
                "mastercard_compliance": None,
                "visa_compelling_evidence_3": None,
                "visa_compliance": None,
            },
        },
        "evidence_details": {
            "due_by": due_by,
            "enhanced_eligibility": {
                "mastercard_compliance": None,
                "visa_compelling_evidence_3": None,
                "visa_compliance": None,
            },
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "submission_method": "not_submitted",
        },
        "intended_submission_method": None,
        # An inquiry can still be settled by refunding; once a chargeback took the money, not.
        "is_charge_refundable": inquiry,
        "livemode": False,
        "metadata": {},
        "network_reason_code": network_code,
        "payment_intent": ch["payment_intent"],
        "payment_method_details": {
            "amazon_pay": None,
            "card": {
                "brand": card["brand"],
                "case_type": "inquiry" if inquiry else "chargeback",
                "network": card["network"],
                "network_reason_code": network_code,
            },
            "klarna": None,
            "paypal": None,
            "type": "card",
        },
        "reason": reason,
        "status": "warning_needs_response" if inquiry else "needs_response",
    }


# --------------------------------------------------------------------------
# Event
# --------------------------------------------------------------------------


def event(
    *,
    event_type: str,
    obj: dict[str, Any],
    created: int,
    api_version: str,
    request_id: str | None,
    idempotency_key: str | None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": new_id("evt_1"),
        "object": "event",
        "api_version": api_version,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": event_type,
    }
