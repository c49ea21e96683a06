from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from shop.extensions import csrf
from shop.payments import gateway, webhooks

bp = Blueprint("payments", __name__)


@bp.post("/webhooks/stripe")
@csrf.exempt  # Stripe cannot send our CSRF token; the signature is its proof instead
def stripe_webhook():
    payload = request.get_data(cache=False, as_text=False)
    try:
        event = gateway.verify_webhook(payload, request.headers.get("Stripe-Signature"))
    except gateway.InvalidWebhook as exc:
        current_app.logger.warning("rejected a Stripe webhook: %s", exc)
        return jsonify(error="invalid signature"), 400
    outcome = webhooks.handle_event(event)
    return jsonify(received=True, outcome=outcome)
