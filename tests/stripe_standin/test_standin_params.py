"""Unit tests of Stripe-style form decoding and schema validation."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from stripe_standin import params as p
from stripe_standin.errors import ValidationError


def test_decodes_nested_hashes_and_indexed_arrays() -> None:
    raw = urlencode(
        [
            ("line_items[0][price_data][currency]", "eur"),
            ("line_items[0][quantity]", "2"),
            ("line_items[1][quantity]", "1"),
            ("metadata[order]", "A1"),
            ("expand[]", "line_items"),
            ("expand[]", "payment_intent"),
        ]
    )
    decoded = p.decode_form(raw)
    assert decoded == {
        "line_items": {"0": {"price_data": {"currency": "eur"}, "quantity": "2"}, "1": {"quantity": "1"}},
        "metadata": {"order": "A1"},
        "expand": ["line_items", "payment_intent"],
    }


def test_stripe_python_style_brackets_are_decoded_unescaped() -> None:
    # stripe-python turns %5B/%5D back into literal brackets before sending.
    assert p.decode_form("expand[0]=line_items&a[b][c]=d%26e") == {
        "expand": {"0": "line_items"},
        "a": {"b": {"c": "d&e"}},
    }


def test_schema_decides_between_array_and_hash() -> None:
    schema = p.Hash({"metadata": p.Metadata(), "expand": p.EXPAND})
    cleaned = p.validate(schema, p.decode_form("metadata[0]=zero&expand[0]=a&expand[1]=b"))
    assert cleaned == {"metadata": {"0": "zero"}, "expand": ["a", "b"]}


def test_arrays_keep_numeric_order() -> None:
    cleaned = p.Array(p.String()).clean({"10": "c", "2": "b", "0": "a"}, "x")
    assert cleaned == ["a", "b", "c"]


def test_empty_metadata_value_unsets_key() -> None:
    assert p.Metadata().clean({"keep": "1", "drop": ""}, "metadata") == {"keep": "1"}
    assert p.Metadata().clean("", "metadata") == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (p.Integer(min=0), "abc", "Invalid integer: abc"),
        (p.Integer(min=0), "-1", "This value must be greater than or equal to 0."),
        (p.Boolean(), "yes", "Invalid boolean: yes"),
        (
            p.Enum(("payment", "setup", "subscription")),
            "x",
            "Invalid f: must be one of payment, setup, or subscription",
        ),
        (p.Url(), "javascript:alert(1)", "Not a valid URL"),
        (p.Metadata(), {"k" * 41: "v"}, "Metadata keys can have up to 40 characters"),
        (p.Array(p.String()), "scalar", "Invalid array"),
        (p.Hash({}), "scalar", "Invalid object"),
    ],
)
def test_field_errors(field: p.Field, value: object, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        field.clean(value, "f")
    assert info.value.message.startswith(message)
    assert info.value.saves_idempotently is False


def test_url_accepts_checkout_session_template_and_localhost() -> None:
    url = "http://localhost:5000/success?session_id={CHECKOUT_SESSION_ID}"
    assert p.Url().clean(url, "success_url") == url


def test_currency_is_normalised_to_lowercase() -> None:
    assert p.Currency().clean("EUR", "currency") == "eur"
