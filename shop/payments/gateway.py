"""The only module that calls Stripe.

Everything it returns is a plain dict shaped as Stripe's API reference describes, so the
services that read it can be tested without Stripe. `STRIPE_API_BASE` points the same
code at the offline stand-in (stripe_standin/) or at https://api.stripe.com.
"""
from __future__ import annotations

import json
from typing import Any

import stripe
from flask import current_app


class PaymentProviderUnavailable(Exception):
    """Stripe could not be reached, timed out, refused our key, or failed on its side."""


class PaymentProviderRefused(Exception):
    """Stripe answered that the request is not possible (e.g. expiring a paid session)."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class InvalidWebhook(Exception):
    """A webhook whose signature does not check out."""


def _client() -> stripe.StripeClient:
    client = current_app.extensions.get("stripe_client")
    if client is None:
        config = current_app.config
        client = stripe.StripeClient(
            config["STRIPE_SECRET_KEY"] or "sk_missing",
            base_addresses={"api": config["STRIPE_API_BASE"]},
            # The library retries connection failures and 409/5xx with the same
            # idempotency key, which makes a retry safe.
            max_network_retries=config.get("STRIPE_MAX_NETWORK_RETRIES", 2),
            http_client=stripe.RequestsClient(timeout=config["STRIPE_TIMEOUT_SECONDS"]),
        )
        current_app.extensions["stripe_client"] = client
    return client


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict(recursive=True) if hasattr(obj, "to_dict") else dict(obj)


def _call(fn, *args, **kwargs) -> dict[str, Any]:
    try:
        return _plain(fn(*args, **kwargs))
    except (stripe.APIConnectionError, stripe.AuthenticationError, stripe.PermissionError,
            stripe.RateLimitError, stripe.APIError) as exc:
        current_app.logger.warning("Stripe unavailable: %s", exc.__class__.__name__)
        raise PaymentProviderUnavailable(str(exc)) from exc
    except stripe.InvalidRequestError as exc:
        raise PaymentProviderRefused(str(exc.user_message or exc), getattr(exc, "code", None)) from exc
    except stripe.StripeError as exc:
        current_app.logger.warning("Stripe error: %s", exc.__class__.__name__)
        raise PaymentProviderUnavailable(str(exc)) from exc


def create_checkout_session(params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    return _call(_client().v1.checkout.sessions.create, params=params, options={"idempotency_key": idempotency_key})


def retrieve_checkout_session(session_id: str) -> dict[str, Any]:
    return _call(_client().v1.checkout.sessions.retrieve, session_id)


def expire_checkout_session(session_id: str) -> dict[str, Any]:
    return _call(_client().v1.checkout.sessions.expire, session_id)


def retrieve_dispute(dispute_id: str) -> dict[str, Any]:
    return _call(_client().v1.disputes.retrieve, dispute_id)


def create_refund(payment_intent_id: str, amount_cents: int | None, idempotency_key: str) -> dict[str, Any]:
    params: dict[str, Any] = {"payment_intent": payment_intent_id}
    if amount_cents is not None:
        params["amount"] = amount_cents
    return _call(_client().v1.refunds.create, params=params, options={"idempotency_key": idempotency_key})


def verify_webhook(payload: bytes, signature_header: str | None) -> dict[str, Any]:
    """Check the Stripe-Signature header against the raw body, then parse it.

    Nothing in the body is read before the signature is verified; the bytes checked are
    the bytes received, never a re-encoded copy.
    """
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    if not signature_header or not secret:
        raise InvalidWebhook("missing signature")
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature_header, secret, current_app.config.get("STRIPE_WEBHOOK_TOLERANCE", 300)
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise InvalidWebhook(str(exc)) from exc
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise InvalidWebhook("body is not JSON") from exc
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict) or "id" not in event or "type" not in event:
        raise InvalidWebhook("not a Stripe event")
    return event
