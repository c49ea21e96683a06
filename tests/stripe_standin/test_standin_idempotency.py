"""Idempotency-Key handling: replay, conflicts, and what is (not) stored."""

from __future__ import annotations

import pytest
import requests
import stripe

from tests.stripe_standin.support import API_KEY, session_params


def test_same_key_same_params_replays_the_first_response(client: stripe.StripeClient, standin) -> None:
    params = session_params()
    first = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "order-ABC-1"})
    again = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "order-ABC-1"})

    assert again.id == first.id
    assert again.to_dict() == first.to_dict()
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert again.last_response.headers["Original-Request"] == first.last_response.request_id
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert len(client.v1.checkout.sessions.list().data) == 1


def test_same_key_different_params_is_an_idempotency_error(client: stripe.StripeClient) -> None:
    client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "order-ABC-2"})
    with pytest.raises(stripe.IdempotencyError) as info:
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="other"), options={"idempotency_key": "order-ABC-2"}
        )
    error = info.value
    assert error.http_status == 400
    assert error.json_body["error"]["type"] == "idempotency_error"
    assert "Keys for idempotent requests can only be used with the same parameters" in error.user_message
    assert "'order-ABC-2'" in error.user_message


def test_same_key_on_another_endpoint_is_an_idempotency_error(client: stripe.StripeClient, make_session) -> None:
    session = make_session()
    client.v1.checkout.sessions.expire(session.id, options={"idempotency_key": "shared-key"})
    with pytest.raises(stripe.IdempotencyError, match="same endpoint"):
        client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "shared-key"})


def test_validation_failures_are_not_stored(client: stripe.StripeClient) -> None:
    # Stripe only stores results once the endpoint started executing, so a
    # corrected retry with the same key must go through.
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(
            params=session_params(success_url="nope"), options={"idempotency_key": "order-ABC-3"}
        )
    session = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "order-ABC-3"})
    assert session.status == "open"


def test_business_errors_are_replayed(client: stripe.StripeClient, make_session) -> None:
    session = make_session()
    client.v1.checkout.sessions.expire(session.id)
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as info:
            client.v1.checkout.sessions.expire(session.id, options={"idempotency_key": "expire-twice"})
    assert info.value.headers["Idempotent-Replayed"] == "true"


def _post_with_key(standin, data: dict[str, str], key: str) -> requests.Response:
    # What curl or another client without stripe-python sends.
    return requests.post(
        f"{standin.base_url}/v1/checkout/sessions",
        headers={"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": key},
        data=data,
        timeout=5,
    )


def test_library_sends_a_key_on_every_post_and_it_is_echoed(standin) -> None:
    response = _post_with_key(
        standin,
        {
            "mode": "payment",
            "line_items[0][price_data][currency]": "eur",
            "line_items[0][price_data][unit_amount]": "700",
            "line_items[0][price_data][product_data][name]": "Card",
            "line_items[0][quantity]": "1",
        },
        "curl-1",
    )
    assert response.status_code == 200
    assert response.headers["Idempotency-Key"] == "curl-1"
    assert response.headers["Request-Id"].startswith("req_")
    # Parameter order does not matter for the comparison.
    replay = _post_with_key(
        standin,
        {
            "line_items[0][quantity]": "1",
            "line_items[0][price_data][product_data][name]": "Card",
            "line_items[0][price_data][unit_amount]": "700",
            "line_items[0][price_data][currency]": "eur",
            "mode": "payment",
        },
        "curl-1",
    )
    assert replay.json()["id"] == response.json()["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
