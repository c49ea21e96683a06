"""Signed webhook delivery to a real HTTP receiver, retries and redelivery."""

from __future__ import annotations

import json

import pytest
import stripe

from stripe_standin import API_VERSION
from stripe_standin.webhooks import sign_payload
from tests.stripe_standin.support import WEBHOOK_SECRET


def test_events_are_signed_like_stripe(client: stripe.StripeClient, make_session, standin, receiver) -> None:
    standin.set_webhook_url(receiver.url)
    session = make_session()
    standin.pay(session.id, name="Jürgen Groß", city="Graz", country="AT")  # non-ASCII body
    standin.wait_for_deliveries()

    assert receiver.types() == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    delivery = receiver.received[-1]
    assert delivery.headers["Content-Type"] == "application/json; charset=utf-8"
    assert delivery.headers["User-Agent"].startswith("Stripe/1.0")

    event = stripe.Webhook.construct_event(delivery.body, delivery.headers["Stripe-Signature"], WEBHOOK_SECRET)
    assert isinstance(event, stripe.Event)
    assert event.type == "checkout.session.completed"
    assert event.id.startswith("evt_")
    assert event.api_version == API_VERSION
    assert event.livemode is False
    assert event.pending_webhooks == 1
    assert event.request.id is None
    obj = event.data.object
    assert isinstance(obj, stripe.checkout.Session)
    assert obj.id == session.id
    assert obj.payment_status == "paid"
    assert obj.metadata["order_id"] == "ABC"
    assert obj.customer_details.name == "Jürgen Groß"

    # The official client's helper works too, and a wrong secret is rejected.
    assert client.construct_event(delivery.body, delivery.headers["Stripe-Signature"], WEBHOOK_SECRET).id == event.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body, delivery.headers["Stripe-Signature"], "whsec_wrong")

    # Once acknowledged, the event no longer waits for any endpoint.
    assert client.v1.events.retrieve(event.id).pending_webhooks == 0


def test_signature_format() -> None:
    header = sign_payload('{"id": "evt_1"}', "whsec_abc", timestamp=1700000000)
    assert header == (
        "t=1700000000,v1=" + stripe.WebhookSignature._compute_signature('1700000000.{"id": "evt_1"}', "whsec_abc")
    )


def test_failed_deliveries_are_retried(make_session, standin, receiver) -> None:
    standin.set_webhook_url(receiver.url)
    receiver.fail_next(500, 503)
    session = make_session()
    standin.expire_now(session.id)
    standin.wait_for_deliveries()

    answers = [r.answered for r in receiver.received]
    assert answers == [500, 503, 200]
    bodies = {r.body for r in receiver.received}
    assert len(bodies) == 1  # the same event, byte for byte
    signatures = [r.headers["Stripe-Signature"] for r in receiver.received]
    for r in receiver.received:
        stripe.Webhook.construct_event(r.body, r.headers["Stripe-Signature"], WEBHOOK_SECRET)
    assert all(s.startswith("t=") for s in signatures)

    event_id = json.loads(receiver.received[0].body)["id"]
    (record,) = standin.deliveries(event_id)
    assert record["status"] == "succeeded"
    assert [a["status_code"] for a in record["attempts"]] == [500, 503, 200]


def test_delivery_gives_up_after_the_last_retry(make_session, standin, free_port) -> None:
    standin.set_webhook_url(f"http://127.0.0.1:{free_port}/nobody-listens")
    session = make_session()
    standin.expire_now(session.id)
    standin.wait_for_deliveries()
    (event,) = standin.events()
    (record,) = standin.deliveries(event["id"])
    assert record["status"] == "failed"
    assert len(record["attempts"]) == 3  # first try + two retries (fixture delays 0.05, 0.1)
    assert all(a["error"] and a["status_code"] is None for a in record["attempts"])


def test_resend_delivers_a_duplicate(make_session, standin, receiver) -> None:
    standin.set_webhook_url(receiver.url)
    session = make_session()
    standin.expire_now(session.id)
    standin.wait_for_deliveries()
    (event,) = standin.events()
    standin.resend_event(event["id"])
    standin.wait_for_deliveries()
    ids = [r.event["id"] for r in receiver.received]
    assert ids == [event["id"], event["id"]]
    assert receiver.received[0].body == receiver.received[1].body


def test_without_webhook_url_events_are_only_recorded(
    client: stripe.StripeClient, make_session, standin, receiver
) -> None:
    session = make_session()
    standin.pay(session.id)
    standin.wait_for_deliveries()
    assert receiver.received == []
    assert len(standin.events()) == 4
    listed = client.v1.events.list(params={"type": "checkout.session.completed"})
    assert [e.type for e in listed.data] == ["checkout.session.completed"]
    assert listed.data[0].pending_webhooks == 0
    assert isinstance(listed.data[0].data.object, stripe.checkout.Session)
    wildcard = client.v1.events.list(params={"type": "charge.*"})
    assert [e.type for e in wildcard.data] == ["charge.succeeded"]


def test_webhook_handler_may_call_back_into_the_api(
    make_session, standin, receiver, client: stripe.StripeClient
) -> None:
    # Shops typically retrieve the session (with line items) inside the handler;
    # that must not deadlock while the stand-in is delivering.
    fetched: list[stripe.checkout.Session] = []

    def handler(event: dict) -> None:
        if event["type"] == "checkout.session.completed":
            session_id = event["data"]["object"]["id"]
            fetched.append(client.v1.checkout.sessions.retrieve(session_id, params={"expand": ["line_items"]}))

    receiver.handler = handler
    standin.set_webhook_url(receiver.url)
    session = make_session()
    standin.pay(session.id)
    standin.wait_for_deliveries()
    assert len(fetched) == 1
    assert fetched[0].id == session.id
    assert [item.description for item in fetched[0].line_items.data] == ["Enamel mug", "Tea towel"]
