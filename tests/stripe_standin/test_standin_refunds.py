"""Refunds: full, partial, limits, failures and the dashboard button."""

from __future__ import annotations

import pytest
import stripe

from tests.stripe_standin.support import event_types


@pytest.fixture
def paid_pi(make_session, standin) -> str:
    session = make_session()
    return standin.pay(session.id)["payment_intent"]


def test_full_refund(client: stripe.StripeClient, paid_pi: str, standin) -> None:
    refund = client.v1.refunds.create(
        params={"payment_intent": paid_pi, "reason": "requested_by_customer", "metadata": {"order_id": "ABC"}},
        options={"idempotency_key": "refund-ABC"},
    )
    assert isinstance(refund, stripe.Refund)
    assert refund.id.startswith("re_")
    assert refund.status == "succeeded"
    assert refund.amount == 6480
    assert refund.currency == "eur"
    assert refund.payment_intent == paid_pi
    assert refund.reason == "requested_by_customer"
    assert refund.metadata.to_dict() == {"order_id": "ABC"}

    charge = client.v1.charges.retrieve(refund.charge)
    assert charge.amount_refunded == 6480
    assert charge.refunded is True

    assert event_types(standin)[-2:] == ["refund.created", "charge.refunded"]
    refunded_event = standin.events("charge.refunded")[0]
    assert refunded_event["data"]["object"]["amount_refunded"] == 6480
    assert refunded_event["data"]["previous_attributes"] == {"amount_refunded": 0, "refunded": False}
    assert refunded_event["request"]["idempotency_key"] == "refund-ABC"

    assert client.v1.refunds.retrieve(refund.id).amount == 6480
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": paid_pi})
    assert info.value.code == "charge_already_refunded"
    assert info.value.user_message == f"Charge {charge.id} has already been refunded."


def test_partial_refunds_up_to_the_remaining_amount(client: stripe.StripeClient, paid_pi: str) -> None:
    first = client.v1.refunds.create(params={"payment_intent": paid_pi, "amount": 1000})
    second = client.v1.refunds.create(params={"charge": first.charge, "amount": 480})
    charge = client.v1.charges.retrieve(first.charge)
    assert charge.amount_refunded == 1480
    assert charge.refunded is False

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": paid_pi, "amount": 5001})
    error = info.value
    assert error.code == "amount_too_large"
    assert error.param == "amount"
    assert error.user_message == "Refund amount (€50.01) is greater than unrefunded amount on charge (€50.00)"

    listing = client.v1.refunds.list(params={"payment_intent": paid_pi})
    assert [r.id for r in listing.data] == [second.id, first.id]


def test_refund_parameter_errors(client: stripe.StripeClient, make_session, standin) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"amount": 100})
    assert "payment_intent or charge" in info.value.user_message

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": "pi_missing"})
    assert info.value.code == "resource_missing"
    assert info.value.param == "payment_intent"

    declined = make_session()
    pi_id = standin.pay(declined.id, "card_declined")["payment_intent"]
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": pi_id})
    assert info.value.user_message == f"This PaymentIntent ({pi_id}) does not have a successful charge to refund."

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.refunds.create(params={"payment_intent": pi_id, "reason": "changed_mind"})
    assert info.value.param == "reason"


def test_failed_refund(client: stripe.StripeClient, paid_pi: str, standin) -> None:
    refund = client.v1.refunds.create(params={"payment_intent": paid_pi, "amount": 2000})
    standin.fail_refund(refund.id)

    failed = client.v1.refunds.retrieve(refund.id)
    assert failed.status == "failed"
    assert failed.failure_reason == "expired_or_canceled_card"
    charge = client.v1.charges.retrieve(refund.charge)
    assert charge.amount_refunded == 0  # the money went back to the merchant balance
    assert event_types(standin)[-3:] == ["charge.refund.updated", "refund.updated", "refund.failed"]
    updated = standin.events("refund.updated")[0]
    assert updated["data"]["previous_attributes"]["status"] == "succeeded"
    assert standin.events("refund.failed")[0]["data"]["object"]["status"] == "failed"

    # Once failed, the full amount can be refunded again.
    assert client.v1.refunds.create(params={"payment_intent": paid_pi}).amount == 6480


def test_dashboard_refund_button_behaves_like_the_api(client: stripe.StripeClient, paid_pi: str, standin) -> None:
    refund = standin.refund_from_dashboard(paid_pi, amount=480)
    assert refund["object"] == "refund"
    assert refund["amount"] == 480
    assert refund["status"] == "succeeded"
    assert event_types(standin)[-2:] == ["refund.created", "charge.refunded"]
    assert client.v1.refunds.retrieve(refund["id"]).payment_intent == paid_pi
    assert standin.events("refund.created")[0]["request"]["id"].startswith("req_")


def test_refund_delayed_payment_only_after_settlement(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    pi_id = standin.pay(session.id, "delayed")["payment_intent"]
    with pytest.raises(stripe.InvalidRequestError, match="does not have a successful charge"):
        client.v1.refunds.create(params={"payment_intent": pi_id})
    standin.settle(pi_id)
    refund = client.v1.refunds.create(params={"payment_intent": pi_id})
    assert refund.destination_details.type == "sepa_debit"
