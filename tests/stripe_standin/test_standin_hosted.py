"""The hosted checkout page and the /_standin dashboard, driven over HTTP like a browser."""

from __future__ import annotations

import re

import pytest
import requests
import stripe


def _form_values(html: str) -> dict[str, str]:
    """Collect what a browser would submit: inputs, the selected option, checked radios."""
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="radio"' in tag and "checked" not in tag:
            continue
        values[name.group(1)] = value.group(1) if value else ""
    selected = re.search(r'<select[^>]*name="country".*?<option value="([A-Z]{2})" selected', html, re.DOTALL)
    if selected:
        values["country"] = selected.group(1)
    return values


def test_page_shows_items_totals_and_demo_values(make_session) -> None:
    session = make_session()
    response = requests.get(session.url, timeout=5)
    assert response.status_code == 200
    html = response.text
    assert "Enamel mug" in html and "Tea towel" in html
    assert "€64.80" in html  # total with the preselected shipping option
    assert "€50.00" in html  # 2 x mug
    assert "Standard — €4.90" in html and "Express — €12.90" in html
    assert "4242 4242 4242 4242 (succeeds)" in html
    assert "4000 0000 0000 0002 (declined)" in html
    assert "settles later" in html
    assert 'href="http://shop.example/checkout/cancel"' in html  # abandon / back to shop
    countries = re.findall(r'<option value="([A-Z]{2})"', html)
    assert countries == ["DE", "AT"]  # restricted to allowed_countries
    values = _form_values(html)
    assert values["email"] == "jane@example.com"
    assert values["name"] and values["line1"] and values["city"] and values["postal_code"]
    assert values["method"] == "card_success"
    assert "<script" not in html


def test_submitting_the_form_pays_and_redirects(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    values = _form_values(requests.get(session.url, timeout=5).text)
    response = requests.post(session.url, data=values, allow_redirects=False, timeout=5)
    assert response.status_code == 303
    assert response.headers["Location"] == f"http://shop.example/checkout/success?session_id={session.id}"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"

    # Coming back to the page afterwards shows that it is done.
    after = requests.get(session.url, timeout=5)
    assert "Payment complete" in after.text


def test_declined_card_shows_message_and_stays_open(client: stripe.StripeClient, make_session) -> None:
    session = make_session()
    values = _form_values(requests.get(session.url, timeout=5).text)
    values["method"] = "card_declined"
    response = requests.post(session.url, data=values, allow_redirects=False, timeout=5)
    assert response.status_code == 402
    assert "Your card was declined." in response.text
    assert "<form" in response.text  # the customer can try again
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_form_errors_are_shown(make_session) -> None:
    session = make_session()
    values = _form_values(requests.get(session.url, timeout=5).text)
    values["name"] = ""
    values["city"] = ""
    response = requests.post(session.url, data=values, allow_redirects=False, timeout=5)
    assert response.status_code == 400
    assert "Please enter your name." in response.text
    assert "Please enter your city." in response.text


def test_expired_session_page(client: stripe.StripeClient, make_session) -> None:
    session = make_session()
    client.v1.checkout.sessions.expire(session.id)
    page = requests.get(session.url, timeout=5)
    assert "This checkout session has expired" in page.text
    posted = requests.post(session.url, data={"method": "card_success"}, allow_redirects=False, timeout=5)
    assert posted.status_code == 409
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"


def test_unknown_session_page_is_404(standin) -> None:
    response = requests.get(f"{standin.base_url}/pay/cs_test_unknown", timeout=5)
    assert response.status_code == 404
    assert "No such checkout.session" in response.text


def test_receipt_page(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    pi_id = standin.pay(session.id)["payment_intent"]
    charge = client.v1.charges.retrieve(client.v1.payment_intents.retrieve(pi_id).latest_charge)
    receipt = requests.get(charge.receipt_url, timeout=5)
    assert receipt.status_code == 200
    assert "€64.80" in receipt.text


def test_dashboard_lists_and_refunds(client: stripe.StripeClient, make_session, standin) -> None:
    session = make_session()
    pi_id = standin.pay(session.id)["payment_intent"]
    dashboard = requests.get(f"{standin.base_url}/_standin/", timeout=5)
    assert dashboard.status_code == 200
    assert session.id in dashboard.text
    assert pi_id in dashboard.text
    assert "checkout.session.completed" in dashboard.text

    # The per-payment "Refund" button posts this form.
    response = requests.post(
        f"{standin.base_url}/_standin/payment_intents/{pi_id}/refund",
        data={"_return": "dashboard", "amount": "500"},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/_standin/?msg=Refund")
    refunds = client.v1.refunds.list(params={"payment_intent": pi_id}).data
    assert [r.amount for r in refunds] == [500]

    state = requests.get(f"{standin.base_url}/_standin/events", timeout=5).json()["data"]
    assert state[0]["type"] == "charge.refunded"
    assert state[0]["delivery_status"] == "not_sent"


def test_control_endpoints_answer_json(make_session, standin) -> None:
    session = make_session()
    response = requests.post(
        f"{standin.base_url}/_standin/pay/{session.id}", data={"method": "delayed"}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 303
    body = response.json()
    assert body["outcome"] == "processing"
    assert body["payment_status"] == "unpaid"

    missing = requests.post(f"{standin.base_url}/_standin/refunds/re_nope/fail", timeout=5)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "resource_missing"

    payments = requests.get(f"{standin.base_url}/_standin/payments", timeout=5).json()["data"]
    assert payments[0]["payment_intent"]["status"] == "processing"
    assert payments[0]["checkout_session"] == session.id

    reset = requests.post(f"{standin.base_url}/_standin/reset", timeout=5)
    assert reset.json() == {"reset": True}
    assert requests.get(f"{standin.base_url}/_standin/sessions", timeout=5).json() == {"data": []}


def test_custom_text_is_kept_and_shown_with_its_links(client: stripe.StripeClient, make_session) -> None:
    session = make_session(custom_text={
        "submit": {"message": "By paying you agree to our [terms](https://shop.example/policies/terms). **Thank you!**"},
        "after_submit": {"message": "<script>alert(1)</script> [bad](javascript:alert(1))"},
    })
    assert session.custom_text.submit.message.startswith("By paying you agree")
    assert session.custom_text.shipping_address is None and session.custom_text.terms_of_service_acceptance is None

    html = requests.get(session.url, timeout=5).text
    assert '<a href="https://shop.example/policies/terms">terms</a>' in html
    assert "<strong>Thank you!</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_custom_text_limits_and_the_terms_consent_text(make_session) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        make_session(custom_text={"submit": {"message": "x" * 1201}})
    assert info.value.param == "custom_text[submit][message]"
    with pytest.raises(stripe.InvalidRequestError) as info:
        make_session(custom_text={"terms_of_service_acceptance": {"message": "Agree to [terms](https://x.example)"}})
    assert info.value.code == "parameter_unknown" and "does not implement" in info.value.user_message
