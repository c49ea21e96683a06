"""Paying sessions (success, decline, delayed + settlement) and expiry."""

from __future__ import annotations

import time

import pytest
import requests
import stripe

from tests.stripe_standin.support import event_types, session_params


def test_card_success_completes_session(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    result = standin.pay(
        session.id,
        "card_success",
        name="Erika Mustermann",
        city="Köln",
        postal_code="50667",
        line1="Domkloster 4",
        country="DE",
    )

    assert result["http_status"] == 303
    assert result["redirect_url"] == f"http://shop.example/checkout/success?session_id={session.id}"
    assert result["outcome"] == "succeeded"

    paid = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent.latest_charge"]})
    assert paid.status == "complete"
    assert paid.payment_status == "paid"
    assert paid.url is None
    assert paid.customer_details.email == "jane@example.com"  # prefilled customer_email wins
    assert paid.customer_details.name == "Erika Mustermann"
    shipping = paid.collected_information.shipping_details
    assert shipping.name == "Erika Mustermann"
    assert shipping.address.city == "Köln"
    assert shipping.address.country == "DE"

    pi = paid.payment_intent
    assert isinstance(pi, stripe.PaymentIntent)
    assert pi.status == "succeeded"
    assert pi.amount == pi.amount_received == 6480
    assert pi.currency == "eur"
    assert pi.metadata.to_dict() == {"order_id": "ABC"}  # from payment_intent_data
    assert pi.shipping.address.postal_code == "50667"
    charge = pi.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert charge.status == "succeeded" and charge.paid and charge.captured
    assert charge.payment_method_details.type == "card"
    assert charge.payment_method_details.card.last4 == "4242"
    assert charge.payment_intent == pi.id

    assert event_types(standin) == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    completed = standin.events("checkout.session.completed")[0]
    assert completed["data"]["object"]["payment_status"] == "paid"
    assert completed["request"] == {"id": None, "idempotency_key": None}


def test_retrieve_payment_intent_directly(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    pi_id = standin.pay(session.id)["payment_intent"]
    pi = client.v1.payment_intents.retrieve(pi_id)
    assert pi.object == "payment_intent"
    assert pi.latest_charge.startswith("ch_")
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount == 6480


def test_declined_card_keeps_session_open(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    result = standin.pay(session.id, "card_declined")

    assert result["http_status"] == 402
    assert result["error"]["message"] == "Your card was declined."
    assert result["error"]["decline_code"] == "generic_decline"
    still_open = client.v1.checkout.sessions.retrieve(session.id)
    assert still_open.status == "open"
    assert still_open.payment_status == "unpaid"
    assert still_open.url is not None
    pi = client.v1.payment_intents.retrieve(still_open.payment_intent)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "card_declined"
    assert pi.last_payment_error.type == "card_error"
    assert "checkout.session.completed" not in event_types(standin)
    assert event_types(standin) == ["payment_intent.created", "charge.failed", "payment_intent.payment_failed"]

    # The customer tries another card: same PaymentIntent, now succeeded.
    assert standin.pay(session.id, "card_success")["outcome"] == "succeeded"
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.payment_intent == pi.id
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_delayed_payment_settles_successfully(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    result = standin.pay(session.id, "delayed")
    assert result["http_status"] == 303
    assert result["outcome"] == "processing"

    pending = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert pending.status == "complete"
    assert pending.payment_status == "unpaid"
    assert pending.payment_intent.status == "processing"
    assert pending.payment_intent.payment_method_types == ["card", "sepa_debit"]
    assert event_types(standin)[-1] == "checkout.session.completed"

    standin.settle(pending.payment_intent.id, "succeeded")
    settled = client.v1.checkout.sessions.retrieve(session.id)
    assert settled.payment_status == "paid"
    assert client.v1.payment_intents.retrieve(settled.payment_intent).status == "succeeded"
    assert event_types(standin)[-3:] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.async_payment_succeeded",
    ]
    charge_id = client.v1.payment_intents.retrieve(settled.payment_intent).latest_charge
    assert client.v1.charges.retrieve(charge_id).payment_method_details.type == "sepa_debit"


def test_delayed_payment_can_fail(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    pi_id = standin.pay(session.id, "delayed")["payment_intent"]
    standin.settle(pi_id, "failed")

    failed = client.v1.checkout.sessions.retrieve(session.id)
    assert failed.status == "complete"
    assert failed.payment_status == "unpaid"
    pi = client.v1.payment_intents.retrieve(pi_id)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "insufficient_funds"
    assert event_types(standin)[-1] == "checkout.session.async_payment_failed"


def test_settle_requires_a_processing_payment(make_session, standin) -> None:
    session = make_session()
    pi_id = standin.pay(session.id)["payment_intent"]
    with pytest.raises(RuntimeError, match="failed with 409.*only `processing`"):
        standin.settle(pi_id, "succeeded")


def test_chosen_shipping_option_changes_total(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    express = session.shipping_options[1].shipping_rate
    pi_id = standin.pay(session.id, shipping_rate=express)["payment_intent"]
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert paid.shipping_cost.shipping_rate == express
    assert paid.amount_total == 5990 + 1290
    assert paid.total_details.amount_shipping == 1290
    assert client.v1.payment_intents.retrieve(pi_id).amount == 7280


def test_country_outside_allowed_countries_is_refused(make_session, standin) -> None:
    session = make_session()
    result = standin.pay(session.id, country="US")
    assert result["http_status"] == 400
    assert result["error"]["param"] == "country"
    assert "not available" in result["error"]["message"]


def test_free_order_needs_no_payment(client: stripe.StripeClient, standin) -> None:
    session = client.v1.checkout.sessions.create(
        params=session_params(
            line_items=[
                {"price_data": {"currency": "eur", "unit_amount": 0, "product_data": {"name": "Sample"}}, "quantity": 1}
            ],
            shipping_options=[],
        )
    )
    assert session.amount_total == 0
    result = standin.pay(session.id)
    assert result["outcome"] == "no_payment_required"
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.payment_status == "no_payment_required"
    assert done.payment_intent is None
    assert event_types(standin) == ["checkout.session.completed"]


def test_paid_or_expired_sessions_cannot_be_paid_again(client: stripe.StripeClient, make_session, standin) -> None:
    paid = make_session()
    standin.pay(paid.id)
    again = standin.pay(paid.id)
    assert again["http_status"] == 409
    assert again["error"]["message"] == "This Checkout Session is already complete."

    expired = make_session()
    client.v1.checkout.sessions.expire(expired.id)
    late = standin.pay(expired.id)
    assert late["http_status"] == 409
    assert "expired" in late["error"]["message"]


def test_expire_now_control_sends_expired_event(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    standin.expire_now(session.id)
    expired = client.v1.checkout.sessions.retrieve(session.id)
    assert expired.status == "expired"
    assert expired.expires_at <= int(time.time())
    event = standin.events("checkout.session.expired")[0]
    assert event["request"]["id"] is None  # caused by time, not by an API call


def test_sweeper_expires_sessions_when_time_runs_out(client: stripe.StripeClient, make_session, standin) -> None:
    short = make_session(expires_at=int(time.time()) + 31 * 60)
    long = make_session(expires_at=int(time.time()) + 5 * 3600)
    standin.advance_clock(32 * 60)
    assert client.v1.checkout.sessions.retrieve(short.id).status == "expired"
    assert client.v1.checkout.sessions.retrieve(long.id).status == "open"
    assert [e["data"]["object"]["id"] for e in standin.events("checkout.session.expired")] == [short.id]


def test_background_sweeper_runs_on_its_own(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session(expires_at=int(time.time()) + 31 * 60)
    standin.standin.store.clock_offset += 32 * 60  # time passes; only the sweeper thread notices
    standin.wait_for_sweep()
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"


def test_expiring_after_a_decline_cancels_the_payment_intent(
    client: stripe.StripeClient, make_session, standin
) -> None:
    session = make_session()
    pi_id = standin.pay(session.id, "card_declined")["payment_intent"]
    client.v1.checkout.sessions.expire(session.id)
    pi = client.v1.payment_intents.retrieve(pi_id)
    assert pi.status == "canceled"
    assert pi.cancellation_reason == "abandoned"
    assert event_types(standin)[-2:] == ["payment_intent.canceled", "checkout.session.expired"]


def test_phone_number_collection(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session(phone_number_collection={"enabled": True})
    assert session.phone_number_collection.enabled is True
    assert 'name="phone"' in requests.get(session.url, timeout=5).text
    standin.pay(session.id, phone="+43 1 2345")
    assert client.v1.checkout.sessions.retrieve(session.id).customer_details.phone == "+43 1 2345"
