"""Stripe as the tests speak to it: the Stripe-Signature header built exactly as Stripe
builds it, events shaped as its API reference shows them, and pointing the shop at a
different Stripe."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

# The endpoint secret the stand-in signs with in the shop's tests.
WEBHOOK_SECRET = "whsec_test_checkout"
API_VERSION = "2025-03-31.basil"


def stripe_signature(body: str | bytes, secret: str, timestamp: int | None = None, scheme: str = "v1") -> str:
    """A Stripe-Signature header as Stripe builds it: `t=<ts>,v1=<hex HMAC-SHA256>` where the
    key is the whole endpoint secret and the message is `<ts>.<raw body>`."""
    t = int(time.time()) if timestamp is None else timestamp
    raw = body.encode("utf-8") if isinstance(body, str) else body
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={t},{scheme}={mac}"


def stripe_event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None,
                 previous_attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event object shaped as Stripe's API reference shows it (snapshot payload)."""
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id or f"evt_1{secrets.token_hex(12)}",
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def event_body(event: dict[str, Any]) -> str:
    # Stripe sends pretty-printed JSON; the signature covers these exact bytes.
    return json.dumps(event, indent=2)


def post_webhook(client, body: str | bytes, signature: str | None):
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    return client.post("/webhooks/stripe", data=body, headers=headers, content_type="application/json")


def deliver(client, event: dict[str, Any], secret: str):
    """POST one event signed with `secret`, as Stripe would deliver it."""
    body = event_body(event)
    return post_webhook(client, body, stripe_signature(body, secret))


def last_event(standin, event_type: str) -> dict[str, Any]:
    found = standin.events(event_type)
    assert found, f"the stand-in sent no {event_type}"
    return found[-1]




def stripe_session(standin, session_id: str) -> dict[str, Any]:
    """The Checkout Session as the stand-in holds it, read through the real stripe library."""
    session = standin.client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["line_items"]})
    return session.to_dict(recursive=True)


def point_stripe_at(app, **config: Any) -> None:
    """Change the app's Stripe settings mid-test (another address, another key)."""
    app.config.update(config)
    app.extensions.pop("stripe_client", None)  # the gateway caches its client


def all_delivered_ok(standin) -> None:
    """Every event the stand-in delivered was answered 200 at once (no 5xx, no retry)."""
    standin.wait_for_deliveries()
    delivered = 0
    for event in standin.events():
        attempts = [a for d in standin.deliveries(event["id"]) for a in d["attempts"]]
        assert all(a["status_code"] == 200 for a in attempts), (event["type"], attempts)
        delivered += len(attempts)
    assert delivered


def completed_body(standin) -> str:
    return event_body(last_event(standin, "checkout.session.completed"))
