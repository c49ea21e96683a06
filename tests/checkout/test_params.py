"""The Checkout Session request as a pure function of our order and our settings.

No database here: `build_session_params` and `CheckoutSettings` read nothing but their
arguments (the HTTP tests check the same values reach the stand-in on both backends)."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

import shop.models  # noqa: F401  (every mapper configured before building orders in memory)
from shop.checkout.services import CheckoutSettings, build_session_params
from shop.config import settings_from_env
from shop.orders.models import Order, OrderLine

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

SETTINGS = CheckoutSettings(
    currency="usd",
    max_per_line=10,
    base_url="https://shop.example",
    shipping_countries=("US", "CA", "GB"),
    shipping_flat_cents=995,
    free_shipping_from_cents=10000,
    automatic_tax=False,
    allow_promotion_codes=False,
)


def make_order(*, shipping_cents: int = 995, lines=((2990, 2, "Trainer", "TR-1"), (500, 1, "Grip", "GR-1"))) -> Order:
    order_lines = [OrderLine(product_id=i + 1, product_name=name, sku=sku, unit_price_cents=price, quantity=qty,
                             stock_tracked=True)
                   for i, (price, qty, name, sku) in enumerate(lines)]
    subtotal = sum(line.line_total_cents for line in order_lines)
    return Order(number="SH-TESTABCD", currency="usd", subtotal_cents=subtotal, shipping_cents=shipping_cents,
                 total_cents=subtotal + shipping_cents, lines=order_lines)


def test_line_items_are_built_on_the_server_from_the_order_prices():
    params = build_session_params(make_order(), SETTINGS, needs_shipping=True, now=NOW)

    assert params["mode"] == "payment"
    assert params["line_items"] == [
        {"price_data": {"currency": "usd", "unit_amount": 2990,
                        "product_data": {"name": "Trainer", "metadata": {"sku": "TR-1"}}}, "quantity": 2},
        {"price_data": {"currency": "usd", "unit_amount": 500,
                        "product_data": {"name": "Grip", "metadata": {"sku": "GR-1"}}}, "quantity": 1},
    ]
    # Only inline prices we computed: never a Price id a client could have chosen.
    assert all("price" not in item for item in params["line_items"])


def test_the_order_number_travels_with_the_session_and_the_payment():
    params = build_session_params(make_order(), SETTINGS, needs_shipping=True, now=NOW)

    assert params["client_reference_id"] == "SH-TESTABCD"
    assert params["metadata"] == {"order_number": "SH-TESTABCD"}
    assert params["payment_intent_data"] == {"metadata": {"order_number": "SH-TESTABCD"}}


def test_return_urls_carry_the_session_placeholder_and_the_order():
    params = build_session_params(make_order(), SETTINGS, needs_shipping=True, now=NOW)

    assert params["success_url"] == "https://shop.example/checkout/success?session_id={CHECKOUT_SESSION_ID}"
    assert params["cancel_url"] == "https://shop.example/checkout/cancel?order=SH-TESTABCD"


def test_session_expires_between_30_and_31_minutes_ahead():
    params = build_session_params(make_order(), SETTINGS, needs_shipping=True, now=NOW)

    lifetime = params["expires_at"] - int(NOW.timestamp())
    assert isinstance(params["expires_at"], int)
    assert 30 * 60 < lifetime <= 31 * 60


def test_shipping_address_is_collected_for_the_configured_countries_at_the_flat_rate():
    params = build_session_params(make_order(shipping_cents=995), SETTINGS, needs_shipping=True, now=NOW)

    assert params["shipping_address_collection"] == {"allowed_countries": ["US", "CA", "GB"]}
    [option] = params["shipping_options"]
    rate = option["shipping_rate_data"]
    assert rate["type"] == "fixed_amount"
    assert rate["fixed_amount"] == {"amount": 995, "currency": "usd"}
    assert rate["display_name"] == "Standard shipping"


def test_free_shipping_is_offered_when_the_order_ships_free():
    order = make_order(shipping_cents=0, lines=((12000, 1, "Trainer", "TR-1"),))
    params = build_session_params(order, SETTINGS, needs_shipping=True, now=NOW)

    [option] = params["shipping_options"]
    assert option["shipping_rate_data"]["fixed_amount"] == {"amount": 0, "currency": "usd"}
    assert option["shipping_rate_data"]["display_name"] == "Free shipping"
    assert params["shipping_address_collection"]["allowed_countries"] == ["US", "CA", "GB"]


def test_digital_only_order_asks_for_no_address_and_no_shipping():
    order = make_order(shipping_cents=0, lines=((1900, 1, "Exercise guide (PDF)", "PDF-1"),))
    params = build_session_params(order, SETTINGS, needs_shipping=False, now=NOW)

    assert "shipping_address_collection" not in params
    assert "shipping_options" not in params


def test_tax_and_promotion_codes_are_left_out_unless_configured():
    params = build_session_params(make_order(), SETTINGS, needs_shipping=True, now=NOW)

    assert "automatic_tax" not in params
    assert "allow_promotion_codes" not in params


@pytest.mark.parametrize(("tax", "promo"), [(True, False), (False, True), (True, True)])
def test_tax_and_promotion_codes_are_sent_when_configured(tax, promo):
    settings = dataclasses.replace(SETTINGS, automatic_tax=tax, allow_promotion_codes=promo)
    params = build_session_params(make_order(), settings, needs_shipping=True, now=NOW)

    assert ("automatic_tax" in params) is tax
    assert ("allow_promotion_codes" in params) is promo
    if tax:
        assert params["automatic_tax"] == {"enabled": True}
    if promo:
        assert params["allow_promotion_codes"] is True


def test_building_the_params_changes_nothing_and_repeats_exactly():
    order = make_order()
    first = build_session_params(order, SETTINGS, needs_shipping=True, now=NOW)
    second = build_session_params(order, SETTINGS, needs_shipping=True, now=NOW)

    assert first == second
    assert order.total_cents == 2990 * 2 + 500 + 995 and order.status is None  # untouched, unsaved


@pytest.mark.parametrize(
    ("subtotal", "needs_shipping", "expected"),
    [
        (1, True, 995),
        (9999, True, 995),
        (10000, True, 0),  # the threshold itself ships free
        (25000, True, 0),
        (1500, False, 0),  # digital goods never pay shipping
        (0, False, 0),
    ],
)
def test_shipping_for(subtotal, needs_shipping, expected):
    assert SETTINGS.shipping_for(subtotal, needs_shipping) == expected


def test_settings_are_read_from_the_app_config():
    config = settings_from_env({
        "SHIPPING_COUNTRIES": "us, de ,GB", "SHIPPING_FLAT_CENTS": "450", "FREE_SHIPPING_FROM_CENTS": "5000",
        "STRIPE_AUTOMATIC_TAX": "1", "STRIPE_ALLOW_PROMOTION_CODES": "yes", "SHOP_CURRENCY": "EUR",
        "SHOP_BASE_URL": "https://shop.example/", "CART_MAX_QUANTITY": "7",
    })
    settings = CheckoutSettings.from_config(config)

    assert settings == CheckoutSettings(
        currency="eur", max_per_line=7, base_url="https://shop.example", shipping_countries=("US", "DE", "GB"),
        shipping_flat_cents=450, free_shipping_from_cents=5000, automatic_tax=True, allow_promotion_codes=True,
        return_window_days=30,
    )
    assert settings.shipping_for(4999, True) == 450 and settings.shipping_for(5000, True) == 0


def test_expiry_follows_the_clock_it_is_given():
    later = NOW + timedelta(hours=5)
    params = build_session_params(make_order(), SETTINGS, needs_shipping=True, now=later)
    assert params["expires_at"] == int((later + timedelta(minutes=31)).timestamp())


def test_stripe_checkout_shows_our_terms_and_return_window_with_links():
    settings = dataclasses.replace(SETTINGS, return_window_days=45)
    params = build_session_params(make_order(), settings, needs_shipping=True, now=NOW)

    message = params["custom_text"]["submit"]["message"]
    assert "[terms of sale](https://shop.example/policies/terms)" in message
    assert "within 45 days" in message and "[returns and refunds](https://shop.example/policies/returns)" in message
    assert len(message) <= 1200  # Stripe's limit for custom text
    # The terms checkbox needs a terms URL in the Stripe account's settings: not asked for.
    assert "consent_collection" not in params
    digital = build_session_params(make_order(shipping_cents=0, lines=((900, 1, "Guide (PDF)", "PDF-1"),)), settings,
                                   needs_shipping=False, now=NOW)
    assert digital["custom_text"] == params["custom_text"]
