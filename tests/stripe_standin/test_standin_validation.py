"""Parameter validation and authentication errors, in Stripe's error shape."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
import stripe

from tests.stripe_standin.support import API_KEY, session_params


def _price_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"currency": "eur", "unit_amount": 1000, "product_data": {"name": "Mug"}}
    data.update(changes)
    return data


CASES = [
    pytest.param(
        {"colour": "blue"}, "colour", "Received unknown parameter: colour", "parameter_unknown", id="unknown-top-level"
    ),
    pytest.param(
        {"line_items": [{"price_data": _price_data(colour="blue"), "quantity": 1}]},
        "line_items[0][price_data][colour]",
        "Received unknown parameter: line_items[0][price_data][colour]",
        "parameter_unknown",
        id="unknown-nested",
    ),
    pytest.param(
        {"mode": None},
        "mode",
        "Missing required param: mode.",
        "parameter_missing",
        id="missing-mode",
    ),
    pytest.param(
        {"line_items": [{"price_data": _price_data(unit_amount=-5), "quantity": 1}]},
        "line_items[0][price_data][unit_amount]",
        "This value must be greater than or equal to 0.",
        None,
        id="negative-amount",
    ),
    pytest.param(
        {"line_items": [{"price_data": _price_data(unit_amount="12.50"), "quantity": 1}]},
        "line_items[0][price_data][unit_amount]",
        "Invalid integer: 12.50",
        "parameter_invalid_integer",
        id="non-integer-amount",
    ),
    pytest.param(
        {"line_items": [{"price_data": _price_data(currency="xyz"), "quantity": 1}]},
        "line_items[0][price_data][currency]",
        "Invalid currency: xyz. Stripe currently supports these currencies: usd, aed,",
        None,
        id="bad-currency",
    ),
    pytest.param(
        {"line_items": [{"price_data": _price_data(), "quantity": 0}]},
        "line_items[0][quantity]",
        "This value must be greater than or equal to 1.",
        None,
        id="zero-quantity",
    ),
    pytest.param(
        {"line_items": [{"price_data": _price_data()}]},
        "line_items[0][quantity]",
        "Missing required param: line_items[0][quantity].",
        "parameter_missing",
        id="missing-quantity",
    ),
    pytest.param(
        {"line_items": [{"price_data": {"unit_amount": 100, "product_data": {"name": "Mug"}}, "quantity": 1}]},
        "line_items[0][price_data][currency]",
        "Missing required param: line_items[0][price_data][currency].",
        "parameter_missing",
        id="missing-currency",
    ),
    pytest.param(
        {"line_items": [{"quantity": 1}]},
        "line_items[0]",
        "You must provide either price or price_data for each line item when using prices.",
        None,
        id="no-price",
    ),
    pytest.param({"success_url": "not a url"}, "success_url", "Not a valid URL", "url_invalid", id="bad-success-url"),
    pytest.param(
        {"cancel_url": "ftp://shop.example/cancel"}, "cancel_url", "Not a valid URL", "url_invalid", id="bad-cancel-url"
    ),
    pytest.param(
        {"customer_email": "jane-at-example"},
        "customer_email",
        "Invalid email address: jane-at-example",
        "email_invalid",
        id="bad-email",
    ),
    pytest.param(
        {"expires_at": int(time.time()) + 10 * 60},
        "expires_at",
        "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
        None,
        id="expires-too-soon",
    ),
    pytest.param(
        {"expires_at": int(time.time()) + 25 * 3600},
        "expires_at",
        "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
        None,
        id="expires-too-late",
    ),
    pytest.param(
        {"expires_at": "tomorrow"},
        "expires_at",
        "Invalid integer: tomorrow",
        "parameter_invalid_integer",
        id="expires-not-integer",
    ),
    pytest.param({"locale": "xx"}, "locale", "Invalid locale: must be one of auto, bg,", None, id="bad-locale"),
    pytest.param(
        {"client_reference_id": ""},
        "client_reference_id",
        "You passed an empty string for 'client_reference_id'.",
        None,
        id="empty-string",
    ),
    pytest.param(
        {"shipping_address_collection": {"allowed_countries": ["DE", "XX"]}},
        "shipping_address_collection[allowed_countries][1]",
        "Invalid shipping_address_collection[allowed_countries][1]: must be one of AC, AD,",
        None,
        id="bad-country",
    ),
    pytest.param(
        {"automatic_tax": {"enabled": "yes"}},
        "automatic_tax[enabled]",
        "Invalid boolean: yes",
        None,
        id="automatic-tax-not-boolean",
    ),
    pytest.param(
        {
            "shipping_options": [
                {"shipping_rate_data": {"display_name": "Std", "fixed_amount": {"amount": 100, "currency": "usd"}}}
            ]
        },
        "shipping_options[0][shipping_rate_data][fixed_amount][currency]",
        "The currency of the shipping rate (usd) must match the currency of the line items (eur).",
        None,
        id="shipping-currency-mismatch",
    ),
    pytest.param(
        {"line_items": [{"price_data": _price_data(unit_amount=20), "quantity": 1}], "shipping_options": []},
        None,
        "The Checkout Session's total amount due must add up to at least €0.50 eur",
        None,
        id="below-minimum-amount",
    ),
    pytest.param(
        {"mode": "subscription"},
        "mode",
        "The Stripe stand-in only implements `mode=payment`",
        None,
        id="unsupported-mode",
    ),
    pytest.param(
        {"payment_method_collection": "always"},
        "payment_method_collection",
        "Received unknown parameter: payment_method_collection (Stripe accepts this parameter, "
        "but the Stripe stand-in does not implement it)",
        "parameter_unknown",
        id="real-but-unimplemented",
    ),
]


@pytest.mark.parametrize(("changes", "param", "message", "code"), CASES)
def test_invalid_create_params(
    client: stripe.StripeClient, changes: dict[str, Any], param: str | None, message: str, code: str | None
) -> None:
    params = session_params(**changes)
    params = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.create(params=params)
    error = info.value
    assert error.http_status == 400
    assert error.json_body["error"]["type"] == "invalid_request_error"
    assert error.param == param
    assert error.code == code
    assert error.user_message.startswith(message)


def test_rejected_request_creates_nothing(client: stripe.StripeClient, standin) -> None:
    bad = session_params(line_items=[{"price_data": _price_data(), "quantity": 1}, {"quantity": 1}])
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=bad)
    assert standin.standin.store.products == {}
    assert client.v1.checkout.sessions.list().data == []


def test_wrong_api_key_is_401(standin) -> None:
    http_client = stripe.RequestsClient()
    wrong = stripe.StripeClient(
        "sk_test_wrongkey1234", base_addresses={"api": standin.base_url}, max_network_retries=0, http_client=http_client
    )
    try:
        with pytest.raises(stripe.AuthenticationError) as info:
            wrong.v1.checkout.sessions.create(params=session_params())
    finally:
        http_client.close()
    assert info.value.http_status == 401
    assert info.value.json_body["error"]["type"] == "invalid_request_error"
    assert info.value.user_message == "Invalid API Key provided: sk_test_********1234"


def test_missing_api_key_is_401(standin) -> None:
    response = requests.post(f"{standin.base_url}/v1/checkout/sessions", data={"mode": "payment"}, timeout=5)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("You did not provide an API key.")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Stripe"'


def test_basic_auth_and_curl_style_arrays_are_accepted(standin) -> None:
    # curl -u sk_test_...: -d "expand[]=line_items" -- the other common encoding.
    response = requests.post(
        f"{standin.base_url}/v1/checkout/sessions",
        auth=(API_KEY, ""),
        data=[
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "1500"),
            ("line_items[0][price_data][product_data][name]", "Poster"),
            ("line_items[0][quantity]", "1"),
            ("success_url", "http://shop.example/ok"),
            ("expand[]", "line_items"),
        ],
        timeout=5,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["line_items"]["data"][0]["description"] == "Poster"
    assert body["payment_method_types"] == ["card", "us_bank_account"]
    assert list(body)[:2] == ["id", "object"]


def test_invalid_boolean_and_list_params(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.create(params=session_params(allow_promotion_codes="maybe"))
    assert info.value.param == "allow_promotion_codes"
    assert info.value.user_message == "Invalid boolean: maybe"

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.list(params={"limit": 500})
    assert info.value.param == "limit"
    assert info.value.user_message == "This value must be less than or equal to 100."
