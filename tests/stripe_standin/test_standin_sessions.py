"""Checkout Session create / retrieve / list / expire through the official stripe library."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_standin import API_VERSION
from tests.stripe_standin.support import API_KEY, event_types, session_params


def test_create_returns_typed_open_session(client: stripe.StripeClient, standin) -> None:
    session = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "order-ABC-1"})

    assert isinstance(session, stripe.checkout.Session)
    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert session.livemode is False
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.mode == "payment"
    assert session.ui_mode == "hosted_page"
    assert session.url == f"{standin.base_url}/pay/{session.id}"
    assert session.currency == "eur"
    # 2 x 25.00 + 9.90, first shipping option (4.90) preselected.
    assert session.amount_subtotal == 5990
    assert session.shipping_cost is not None
    assert session.shipping_cost.amount_total == 490
    assert session.amount_total == 6480
    assert session.total_details.amount_shipping == 490
    assert session.total_details.amount_tax == 0
    assert session.client_reference_id == "order-ABC"
    assert session.metadata.to_dict() == {"order_id": "ABC"}
    assert session.customer_email == "jane@example.com"
    assert session.shipping_address_collection.allowed_countries == ["DE", "AT"]
    assert [o.shipping_amount for o in session.shipping_options] == [490, 1290]
    assert session.shipping_options[0].shipping_rate.startswith("shr_")
    assert session.locale == "de"
    # In this API version the PaymentIntent only exists once the customer confirms.
    assert session.payment_intent is None
    assert session.collected_information is None
    assert session.expires_at > session.created
    assert session.payment_method_types == ["card", "sepa_debit"]


def test_response_headers_follow_stripe(standin) -> None:
    response = requests.get(
        f"{standin.base_url}/v1/checkout/sessions", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5
    )
    assert response.status_code == 200
    assert response.headers["Request-Id"].startswith("req_")
    assert response.headers["Stripe-Version"] == API_VERSION
    body = response.json()
    assert body == {"object": "list", "data": [], "has_more": False, "url": "/v1/checkout/sessions"}


def test_default_expiry_is_24_hours(client: stripe.StripeClient) -> None:
    params = session_params()
    del params["expires_at"]
    session = client.v1.checkout.sessions.create(params=params)
    assert session.expires_at - session.created == 24 * 3600


def test_retrieve_with_expand(client: stripe.StripeClient, make_session) -> None:
    created = make_session()
    plain = client.v1.checkout.sessions.retrieve(created.id)
    assert plain.id == created.id
    assert "line_items" not in plain  # includable, not included by default

    expanded = client.v1.checkout.sessions.retrieve(created.id, params={"expand": ["line_items"]})
    items = expanded.line_items
    assert isinstance(items, stripe.ListObject)
    assert items.url == f"/v1/checkout/sessions/{created.id}/line_items"
    first = items.data[0]
    assert isinstance(first, stripe.LineItem)
    assert first.description == "Enamel mug"
    assert first.quantity == 2
    assert first.amount_subtotal == first.amount_total == 5000
    assert first.price.unit_amount == 2500
    assert first.price.currency == "eur"
    assert first.price.product.startswith("prod_")

    with_product = client.v1.checkout.sessions.retrieve(
        created.id, params={"expand": ["line_items.data.price.product"]}
    )
    product = with_product.line_items.data[0].price.product
    assert isinstance(product, stripe.Product)
    assert product.name == "Enamel mug"
    assert product.images == ["https://shop.example/img/mug.png"]
    assert product.metadata.to_dict() == {"sku": "MUG-1"}


def test_expand_of_unknown_property_is_rejected(client: stripe.StripeClient, make_session) -> None:
    created = make_session()
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.retrieve(created.id, params={"expand": ["customer_email"]})
    assert info.value.param == "expand"
    assert "cannot be expanded" in info.value.user_message


def test_list_line_items_paginates(client: stripe.StripeClient, make_session) -> None:
    created = make_session()
    page = client.v1.checkout.sessions.line_items.list(created.id, params={"limit": 1})
    assert [item.description for item in page.data] == ["Enamel mug"]
    assert page.has_more is True
    rest = client.v1.checkout.sessions.line_items.list(
        created.id, params={"limit": 1, "starting_after": page.data[0].id}
    )
    assert [item.description for item in rest.data] == ["Tea towel"]
    assert rest.has_more is False
    everything = [item.description for item in page.auto_paging_iter()]
    assert everything == ["Enamel mug", "Tea towel"]


def test_list_sessions_newest_first_and_filtered_by_payment_intent(
    client: stripe.StripeClient, make_session, standin
) -> None:
    first = make_session(client_reference_id="first")
    second = make_session(client_reference_id="second")
    listing = client.v1.checkout.sessions.list()
    assert [s.id for s in listing.data] == [second.id, first.id]

    paid = standin.pay(first.id)
    by_pi = client.v1.checkout.sessions.list(params={"payment_intent": paid["payment_intent"]})
    assert [s.id for s in by_pi.data] == [first.id]
    assert client.v1.checkout.sessions.list(params={"status": "open"}).data[0].id == second.id


def test_expire_open_session(client: stripe.StripeClient, make_session, standin) -> None:
    created = make_session()
    expired = client.v1.checkout.sessions.expire(created.id)
    assert expired.status == "expired"
    assert expired.url is None
    assert event_types(standin) == ["checkout.session.expired"]
    event = standin.events()[0]
    assert event["request"]["id"] is not None  # triggered by an API request
    assert event["data"]["object"]["status"] == "expired"

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.expire(created.id)
    assert info.value.http_status == 400
    assert info.value.user_message == (
        'Only Checkout Sessions with a status in ["open"] can be expired. '
        "This Checkout Session has a status of `expired`."
    )


def test_expire_completed_session_is_refused(client: stripe.StripeClient, make_session, standin) -> None:
    created = make_session()
    standin.pay(created.id)
    with pytest.raises(stripe.InvalidRequestError, match="has a status of `complete`"):
        client.v1.checkout.sessions.expire(created.id)


def test_unknown_session_is_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    error = info.value
    assert error.http_status == 404
    assert error.code == "resource_missing"
    assert error.user_message == "No such checkout.session: 'cs_test_nope'"
    assert error.json_body["error"]["type"] == "invalid_request_error"
    assert error.json_body["error"]["doc_url"] == "https://stripe.com/docs/error-codes/resource-missing"
    assert error.request_id.startswith("req_")


def test_unrecognized_url(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.raw_request("get", "/v1/customers")
    assert info.value.http_status == 404
    assert info.value.user_message.startswith("Unrecognized request URL (GET: /v1/customers).")


def test_existing_price_and_shipping_rate_can_be_reused(client: stripe.StripeClient, make_session) -> None:
    created = client.v1.checkout.sessions.retrieve(make_session().id, params={"expand": ["line_items"]})
    price_id = created.line_items.data[1].price.id
    rate_id = created.shipping_options[1].shipping_rate
    again = client.v1.checkout.sessions.create(
        params=session_params(
            line_items=[{"price": price_id, "quantity": 3}],
            shipping_options=[{"shipping_rate": rate_id}],
        )
    )
    assert again.amount_subtotal == 2970
    assert again.amount_total == 2970 + 1290
