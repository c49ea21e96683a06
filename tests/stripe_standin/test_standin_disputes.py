"""Disputes: opened and decided by test controls, answered through the real stripe library,
each change delivered as a signed charge.dispute.* event."""

from __future__ import annotations

import typing

import pytest
import requests
import stripe
from stripe._stripe_object import StripeObject

from tests.stripe_standin.support import WEBHOOK_SECRET, event_types


@pytest.fixture
def paid_pi(make_session, standin) -> str:
    return standin.pay(make_session().id)["payment_intent"]


def _declared_fields(cls: type) -> dict[str, typing.Any]:
    """The fields stripe-python declares on one of its classes (its type annotations)."""
    return {
        name: hint for name, hint in cls.__dict__.get("__annotations__", {}).items()
        if not name.startswith("_") and name != "OBJECT_NAME"
    }


def _missing_fields(obj: dict[str, typing.Any], cls: type, path: str = "") -> list[str]:
    """Every field the library declares that the object lacks, nested objects included."""
    missing = []
    inner = cls.__dict__.get("_inner_class_types", {})
    for name in _declared_fields(cls):
        if name not in obj:
            missing.append(f"{path}{name}")
        elif name in inner and isinstance(obj[name], dict) and issubclass(inner[name], StripeObject):
            missing += _missing_fields(obj[name], inner[name], f"{path}{name}.")
    return missing


def test_a_chargeback_has_every_field_of_stripes_dispute(client: stripe.StripeClient, paid_pi, standin,
                                                         receiver) -> None:
    standin.set_webhook_url(receiver.url)
    opened = standin.open_dispute(paid_pi, reason="product_not_received")

    dispute = client.v1.disputes.retrieve(opened["id"])
    assert isinstance(dispute, stripe.Dispute)
    assert _missing_fields(dispute.to_dict(recursive=True), stripe.Dispute) == []
    assert dispute.id.startswith("du_") and dispute.object == "dispute"
    assert dispute.status == "needs_response" and dispute.reason == "product_not_received"
    assert dispute.amount == 6480 and dispute.currency == "eur" and dispute.payment_intent == paid_pi
    assert dispute.evidence_details.due_by - dispute.created == 7 * 24 * 3600
    assert dispute.evidence_details.submission_count == 0 and dispute.evidence_details.has_evidence is False
    assert dispute.payment_method_details.type == "card"
    assert dispute.payment_method_details.card.case_type == "chargeback"
    assert dispute.payment_method_details.card.network_reason_code == "13.1"
    assert dispute.is_charge_refundable is False
    assert client.v1.charges.retrieve(dispute.charge).disputed is True

    standin.wait_for_deliveries()
    delivery = receiver.received[-1]
    event = stripe.Webhook.construct_event(delivery.body, delivery.headers["Stripe-Signature"], WEBHOOK_SECRET)
    assert event.type == "charge.dispute.created"
    assert isinstance(event.data.object, stripe.Dispute) and event.data.object.id == dispute.id


def test_disputes_are_listed_and_expanded(client: stripe.StripeClient, make_session, paid_pi, standin) -> None:
    other_pi = standin.pay(make_session().id)["payment_intent"]
    first = standin.open_dispute(paid_pi)
    second = standin.open_dispute(other_pi, inquiry=True, amount=1000)

    assert [d.id for d in client.v1.disputes.list().data] == [second["id"], first["id"]]
    assert [d.id for d in client.v1.disputes.list(params={"payment_intent": paid_pi}).data] == [first["id"]]
    assert [d.id for d in client.v1.disputes.list(params={"charge": second["charge"]}).data] == [second["id"]]
    expanded = client.v1.disputes.retrieve(first["id"], params={"expand": ["charge", "payment_intent"]})
    assert expanded.charge.id == first["charge"] and expanded.payment_intent.id == paid_pi
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.disputes.retrieve("du_nope")
    assert info.value.http_status == 404 and info.value.code == "resource_missing"


def test_evidence_is_staged_then_submitted_and_the_bank_decides(client: stripe.StripeClient, paid_pi,
                                                                standin) -> None:
    dispute_id = standin.open_dispute(paid_pi)["id"]

    staged = client.v1.disputes.update(dispute_id, params={
        "evidence": {"shipping_carrier": "USPS", "shipping_tracking_number": "9400 1000 0000 0000 0000 00"},
        "metadata": {"order": "SH-1"},
        "submit": False,
    })
    assert staged.status == "needs_response" and staged.evidence.shipping_carrier == "USPS"
    assert staged.evidence_details.has_evidence is True and staged.evidence_details.submission_count == 0
    assert staged.metadata["order"] == "SH-1"

    submitted = client.v1.disputes.update(dispute_id, params={"submit": True})
    assert submitted.status == "under_review"
    assert submitted.evidence_details.submission_count == 1
    assert submitted.evidence_details.submission_method == "manual"
    updated = standin.events("charge.dispute.updated")[-1]
    assert updated["data"]["previous_attributes"]["status"] == "needs_response"

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.disputes.update(dispute_id, params={"evidence": {"uncategorized_text": "more"}})

    standin.decide_dispute(dispute_id, "won")
    assert client.v1.disputes.retrieve(dispute_id).status == "won"
    closed = standin.events("charge.dispute.closed")[-1]
    assert closed["data"]["object"]["status"] == "won"
    assert closed["data"]["previous_attributes"] == {"status": "under_review"}
    assert event_types(standin)[-4:] == [
        "charge.dispute.created", "charge.dispute.updated", "charge.dispute.updated", "charge.dispute.closed",
    ]


def test_closing_accepts_the_loss_once(client: stripe.StripeClient, paid_pi, standin) -> None:
    dispute_id = standin.open_dispute(paid_pi)["id"]
    closed = client.v1.disputes.close(dispute_id, options={"idempotency_key": "close-1"})
    assert closed.status == "lost"
    assert client.v1.disputes.close(dispute_id, options={"idempotency_key": "close-1"}).status == "lost"  # replayed
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.disputes.close(dispute_id)
    assert "already closed" in info.value.user_message
    assert event_types(standin).count("charge.dispute.closed") == 1


def test_an_inquiry_can_become_a_chargeback(client: stripe.StripeClient, paid_pi, standin) -> None:
    inquiry = standin.open_dispute(paid_pi, reason="unrecognized", inquiry=True)
    assert inquiry["status"] == "warning_needs_response" and inquiry["is_charge_refundable"] is True
    assert inquiry["payment_method_details"]["card"]["case_type"] == "inquiry"

    standin.advance_clock(3600)
    chargeback = standin.decide_dispute(inquiry["id"], "needs_response")
    assert chargeback["status"] == "needs_response" and chargeback["is_charge_refundable"] is False
    assert chargeback["payment_method_details"]["card"]["case_type"] == "chargeback"
    assert chargeback["evidence_details"]["due_by"] == inquiry["evidence_details"]["due_by"] + 3600
    previous = standin.events("charge.dispute.updated")[-1]["data"]["previous_attributes"]
    assert previous["status"] == "warning_needs_response" and previous["is_charge_refundable"] is True

    assert client.v1.disputes.close(inquiry["id"]).status == "lost"


@pytest.mark.parametrize("status, first", [("lost", "needs_response"), ("warning_closed", "warning_needs_response")])
def test_the_bank_can_close_a_dispute_it_opened(client: stripe.StripeClient, paid_pi, standin, status, first) -> None:
    dispute = standin.open_dispute(paid_pi, inquiry=first.startswith("warning"))
    assert dispute["status"] == first
    standin.decide_dispute(dispute["id"], status)
    assert client.v1.disputes.retrieve(dispute["id"]).status == status


def test_controls_refuse_what_a_bank_could_not_do(make_session, paid_pi, standin) -> None:
    def control(path: str, **data: str) -> requests.Response:
        return requests.post(f"{standin.base_url}/_standin{path}", data=data, timeout=5)

    unpaid = make_session()
    declined_pi = standin.pay(unpaid.id, "card_declined")["payment_intent"]
    assert control(f"/payment_intents/{declined_pi}/dispute").status_code == 409
    assert control("/payment_intents/pi_nope/dispute").status_code == 404
    assert control(f"/payment_intents/{paid_pi}/dispute", reason="bored").json()["error"]["param"] == "reason"
    too_much = control(f"/payment_intents/{paid_pi}/dispute", amount="6481")
    assert too_much.status_code == 400 and too_much.json()["error"]["param"] == "amount"
    assert control(f"/payment_intents/{paid_pi}/dispute", amount="12.5").status_code == 400

    dispute = control(f"/payment_intents/{paid_pi}/dispute", reason="duplicate").json()
    assert control(f"/payment_intents/{paid_pi}/dispute").status_code == 409  # one dispute per charge
    refused = control(f"/disputes/{dispute['id']}/decide", status="warning_closed")
    assert refused.status_code == 409 and "can become" in refused.json()["error"]["message"]
    control(f"/disputes/{dispute['id']}/decide", status="lost")
    assert "it is closed" in control(f"/disputes/{dispute['id']}/decide", status="won").json()["error"]["message"]


def test_a_bank_debit_is_not_disputed_by_the_stand_in(make_session, standin) -> None:
    pi_id = standin.pay(make_session().id, "delayed")["payment_intent"]
    standin.settle(pi_id, "succeeded")
    response = requests.post(f"{standin.base_url}/_standin/payment_intents/{pi_id}/dispute", timeout=5)
    assert response.status_code == 409 and "card payments" in response.json()["error"]["message"]


def test_evidence_parameters_are_checked_like_stripe(client: stripe.StripeClient, paid_pi, standin) -> None:
    dispute_id = standin.open_dispute(paid_pi)["id"]
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.disputes.update(dispute_id, params={"evidence": {"colour": "blue"}})
    assert info.value.code == "parameter_unknown" and info.value.param == "evidence[colour]"
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.disputes.update(dispute_id, params={"evidence": {"receipt": "file_123"}})
    assert "does not implement" in info.value.user_message
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.disputes.update(dispute_id, params={"evidence": {"uncategorized_text": "x" * 20001}})
    assert info.value.param == "evidence[uncategorized_text]"
    assert client.v1.disputes.retrieve(dispute_id).evidence_details.has_evidence is False  # nothing was kept


def test_dashboard_opens_and_decides_disputes(client: stripe.StripeClient, paid_pi, standin) -> None:
    dashboard = requests.get(f"{standin.base_url}/_standin/", timeout=5).text
    assert f"/_standin/payment_intents/{paid_pi}/dispute" in dashboard and "No disputes yet." in dashboard

    opened = requests.post(f"{standin.base_url}/_standin/payment_intents/{paid_pi}/dispute",
                           data={"_return": "dashboard", "reason": "product_unacceptable", "inquiry": "false"},
                           allow_redirects=False, timeout=5)
    assert opened.status_code == 303 and "Dispute" in opened.headers["Location"]
    [dispute] = client.v1.disputes.list().data
    assert dispute.reason == "product_unacceptable"

    dashboard = requests.get(f"{standin.base_url}/_standin/", timeout=5).text
    assert dispute.id in dashboard and f"/_standin/disputes/{dispute.id}/decide" in dashboard
    requests.post(f"{standin.base_url}/_standin/disputes/{dispute.id}/decide",
                  data={"_return": "dashboard", "status": "won"}, timeout=5)
    assert client.v1.disputes.retrieve(dispute.id).status == "won"
    assert requests.get(f"{standin.base_url}/_standin/disputes", timeout=5).json()["data"][0]["status"] == "won"
