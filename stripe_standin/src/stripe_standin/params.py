"""Decoding of Stripe's form-encoded parameters and validation in Stripe's style.

Stripe's v1 API takes ``application/x-www-form-urlencoded`` bodies (and query
strings for GET) with bracket nesting::

    line_items[0][price_data][currency]=eur&expand[]=line_items&metadata[order]=A1

stripe-python always sends arrays with explicit indexes (``expand[0]=...``),
curl users often send ``expand[]=...``; both are accepted here, as by Stripe.

Validation is schema driven (see the ``*_PARAMS`` constants at the bottom) so
that every endpoint rejects unknown parameters, coerces types and reports the
first problem with Stripe's wording, ``param`` and ``code``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .errors import ValidationError, missing_param, unknown_param
from .objects import DISPUTE_FILE_EVIDENCE, DISPUTE_TEXT_EVIDENCE
from .reference import CHECKOUT_LOCALES, SHIPPING_COUNTRIES, SUPPORTED_CURRENCIES

_KEY_RE = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_TOKEN_RE = re.compile(r"\[([^\[\]]*)\]")


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------


def decode_form(raw: str) -> dict[str, Any]:
    """Turn a form-encoded string into nested dicts/lists of strings.

    ``a[0]`` / ``a[1]`` produce a dict keyed ``"0"``, ``"1"``; whether that is
    an array or a hash (``metadata[0]`` is a valid metadata key!) is decided by
    the schema, exactly like Stripe does.  ``a[]`` appends to a list.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        match = _KEY_RE.fullmatch(key)
        if match is None:
            # Malformed brackets: keep the raw key so it is reported as unknown.
            root[key] = value
            continue
        tokens = [match.group(1), *_TOKEN_RE.findall(match.group(2))]
        _assign(root, tokens, value, match.group(1))
    return root


def _assign(root: dict[str, Any], tokens: list[str], value: str, name: str) -> None:
    node: Any = root
    for index, token in enumerate(tokens[:-1]):
        following = tokens[index + 1]
        new_child: Any = [] if following == "" else {}
        if token == "":
            if not isinstance(node, list):
                raise ValidationError("Invalid array", param=name)
            # Rack-style ``a[][b]=1&a[][c]=2``: keep filling the last element
            # until a key repeats, then start a new element.
            if node and isinstance(node[-1], dict) and following and following not in node[-1]:
                child = node[-1]
            else:
                child = new_child
                node.append(child)
        else:
            if not isinstance(node, dict):
                raise ValidationError("Invalid array", param=name)
            child = node.get(token)
            if not isinstance(child, (dict, list)) or type(child) is not type(new_child):
                child = new_child
                node[token] = child
        node = child
    last = tokens[-1]
    if last == "":
        if not isinstance(node, list):
            raise ValidationError("Invalid array", param=name)
        node.append(value)
    else:
        if not isinstance(node, dict):
            raise ValidationError("Invalid array", param=name)
        node[last] = value


# --------------------------------------------------------------------------
# Field types
# --------------------------------------------------------------------------


def _describe(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _join_choices(choices: Iterable[str]) -> str:
    items = list(choices)
    if len(items) <= 2:
        return " or ".join(items)
    return ", ".join(items[:-1]) + ", or " + items[-1]


class Field:
    """Base class: turns a decoded form value into a Python value or raises."""

    kind = "string"
    #: Whether ``param=`` (empty string) is accepted.  Stripe reads an empty
    #: value as "unset", which makes no sense for most parameters on create.
    emptiable = False

    def clean(self, value: Any, path: str) -> Any:
        raise NotImplementedError

    def _scalar(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise ValidationError(f"Invalid {self.kind}: {_describe(value)}", param=path)
        if value == "" and not self.emptiable:
            raise ValidationError(
                f"You passed an empty string for '{path}'. We assume empty values are an attempt to "
                f"unset a parameter; however '{path}' cannot be unset. You should remove '{path}' "
                "from your request or supply a non-empty value.",
                param=path,
            )
        return value


class String(Field):
    def __init__(self, max_length: int = 5000) -> None:
        self.max_length = max_length

    def clean(self, value: Any, path: str) -> str:
        text = self._scalar(value, path)
        if len(text) > self.max_length:
            raise ValidationError(
                f"Invalid string: {text[:20]}...; must be at most {self.max_length} characters",
                param=path,
            )
        return text


class Url(String):
    def clean(self, value: Any, path: str) -> str:
        text = self._scalar(value, path)
        if len(text) > self.max_length:
            raise ValidationError(
                f"Invalid URL: URL must be {self.max_length} characters or less.",
                param=path,
                code="url_invalid",
            )
        # Stripe accepts http(s) URLs with a host, including localhost in test
        # mode, and the literal {CHECKOUT_SESSION_ID} template.
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
            raise ValidationError("Not a valid URL", param=path, code="url_invalid")
        return text


class Email(String):
    _EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

    def clean(self, value: Any, path: str) -> str:
        text = super().clean(value, path)
        if not self._EMAIL_RE.fullmatch(text):
            raise ValidationError(f"Invalid email address: {text}", param=path, code="email_invalid")
        return text


class Integer(Field):
    kind = "integer"

    def __init__(self, min: int | None = None, max: int | None = None) -> None:
        self.min = min
        self.max = max

    def clean(self, value: Any, path: str) -> int:
        text = self._scalar(value, path)
        if not re.fullmatch(r"-?\d+", text):
            raise ValidationError(f"Invalid integer: {text}", param=path, code="parameter_invalid_integer")
        number = int(text)
        if self.min is not None and number < self.min:
            raise ValidationError(f"This value must be greater than or equal to {self.min}.", param=path)
        if self.max is not None and number > self.max:
            raise ValidationError(f"This value must be less than or equal to {self.max}.", param=path)
        return number


class Boolean(Field):
    kind = "boolean"

    def clean(self, value: Any, path: str) -> bool:
        text = self._scalar(value, path)
        if text not in ("true", "false"):
            raise ValidationError(f"Invalid boolean: {text}", param=path)
        return text == "true"


class Enum(Field):
    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = tuple(choices)

    def clean(self, value: Any, path: str) -> str:
        text = self._scalar(value, path)
        if text not in self.choices:
            raise ValidationError(f"Invalid {path}: must be one of {_join_choices(self.choices)}", param=path)
        return text


class Currency(Field):
    def clean(self, value: Any, path: str) -> str:
        code = self._scalar(value, path).lower()
        if code not in SUPPORTED_CURRENCIES:
            raise ValidationError(
                f"Invalid currency: {code}. Stripe currently supports these currencies: "
                + ", ".join(sorted(SUPPORTED_CURRENCIES, key=lambda c: (c != "usd", c))),
                param=path,
            )
        return code


class Metadata(Field):
    """Stripe metadata: up to 50 keys, keys <= 40 chars, values <= 500 chars.

    Empty values unset a key, and ``metadata=`` unsets everything; on create
    both simply mean "no such key".
    """

    def clean(self, value: Any, path: str) -> dict[str, str]:
        if value == "":
            return {}
        if not isinstance(value, dict):
            raise ValidationError("Invalid object", param=path)
        if len(value) > 50:
            raise ValidationError(
                f"Invalid {path}: {path} can have up to 50 keys, but you passed in {len(value)} keys.",
                param=path,
            )
        cleaned: dict[str, str] = {}
        for key, item in value.items():
            if not isinstance(item, str):
                raise ValidationError(f"Invalid {path}[{key}]: metadata values must be strings", param=f"{path}[{key}]")
            if len(key) > 40:
                raise ValidationError(
                    "Metadata keys can have up to 40 characters, but you passed in a key that is "
                    f"{len(key)} characters.",
                    param=f"{path}[{key}]",
                )
            if len(item) > 500:
                raise ValidationError(
                    "Metadata values can have up to 500 characters, but you passed in a value that is "
                    f"{len(item)} characters.",
                    param=f"{path}[{key}]",
                )
            if item != "":
                cleaned[key] = item
        return cleaned


class Array(Field):
    def __init__(self, item: Field, max_items: int | None = None) -> None:
        self.item = item
        self.max_items = max_items

    def clean(self, value: Any, path: str) -> list[Any]:
        if value == "":
            return []
        if isinstance(value, list):
            keyed = [(str(i), v) for i, v in enumerate(value)]
        elif isinstance(value, dict) and all(k.isdigit() for k in value):
            keyed = sorted(value.items(), key=lambda kv: int(kv[0]))
        else:
            raise ValidationError("Invalid array", param=path)
        if self.max_items is not None and len(keyed) > self.max_items:
            raise ValidationError(
                f"Invalid array: {path} can have at most {self.max_items} items, but you passed {len(keyed)}.",
                param=path,
            )
        return [self.item.clean(v, f"{path}[{k}]") for k, v in keyed]


class Hash(Field):
    """A nested object; ``known`` lists real Stripe names the stand-in lacks."""

    def __init__(
        self,
        fields: Mapping[str, Field],
        *,
        required: Iterable[str] = (),
        known: Iterable[str] = (),
    ) -> None:
        self.fields = dict(fields)
        self.required = tuple(required)
        self.known = frozenset(known)

    def clean(self, value: Any, path: str) -> dict[str, Any]:
        if value == "":
            value = {}
        if not isinstance(value, dict):
            raise ValidationError("Invalid object", param=path)
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}[{key}]" if path else key
            field = self.fields.get(key)
            if field is None:
                raise unknown_param(sub, real_stripe_param=key in self.known)
            cleaned[key] = field.clean(item, sub)
        for key in self.required:
            if key not in cleaned:
                raise missing_param(f"{path}[{key}]" if path else key)
        return cleaned


def validate(schema: Hash, data: dict[str, Any]) -> dict[str, Any]:
    """Validate top-level parameters against ``schema`` (path prefix empty)."""
    return schema.clean(data, "")


# --------------------------------------------------------------------------
# Endpoint schemas
# --------------------------------------------------------------------------

EXPAND = Array(String())
_LIMIT = Integer(min=1, max=100)
_PAGINATION = {"limit": _LIMIT, "starting_after": String(), "ending_before": String(), "expand": EXPAND}

_PRODUCT_DATA = Hash(
    {
        "name": String(),
        "description": String(40000),
        "images": Array(Url(2048), max_items=8),
        "metadata": Metadata(),
        "tax_code": String(),
        "unit_label": String(12),
    },
    required=["name"],
    known=["tax_details"],
)

_PRICE_DATA = Hash(
    {
        "currency": Currency(),
        "product": String(),
        "product_data": _PRODUCT_DATA,
        # Checkout caps a single amount at eight digits.
        "unit_amount": Integer(min=0, max=99999999),
        "tax_behavior": Enum(("exclusive", "inclusive", "unspecified")),
    },
    required=["currency"],
    known=["recurring", "unit_amount_decimal"],
)

_LINE_ITEM = Hash(
    {
        "price": String(),
        "price_data": _PRICE_DATA,
        "quantity": Integer(min=1, max=999999),
        "metadata": Metadata(),
    },
    known=["adjustable_quantity", "dynamic_tax_rates", "tax_rates"],
)

_DELIVERY_ESTIMATE_BOUND = Hash(
    {"unit": Enum(("business_day", "day", "hour", "month", "week")), "value": Integer(min=1)},
    required=["unit", "value"],
)

_SHIPPING_RATE_DATA = Hash(
    {
        "display_name": String(100),
        "type": Enum(("fixed_amount",)),
        "fixed_amount": Hash(
            {"amount": Integer(min=0, max=99999999), "currency": Currency()},
            required=["amount", "currency"],
            known=["currency_options"],
        ),
        "delivery_estimate": Hash({"minimum": _DELIVERY_ESTIMATE_BOUND, "maximum": _DELIVERY_ESTIMATE_BOUND}),
        "metadata": Metadata(),
        "tax_behavior": Enum(("exclusive", "inclusive", "unspecified")),
        "tax_code": String(),
    },
    required=["display_name"],
)

_SHIPPING_OPTION = Hash({"shipping_rate": String(), "shipping_rate_data": _SHIPPING_RATE_DATA})

# Every top-level parameter POST /v1/checkout/sessions knows in the pinned
# version (from stripe-python's SessionCreateParams), so that a real-but-
# unimplemented parameter gets an explicit "stand-in does not implement" hint.
# fmt: off
_SESSION_CREATE_KNOWN = (
    "adaptive_pricing", "after_expiration", "allow_promotion_codes", "allowed_payment_method_types", "automatic_tax",
    "billing_address_collection", "branding_settings", "cancel_url", "client_reference_id", "consent_collection",
    "currency", "custom_fields", "custom_text", "customer", "customer_account", "customer_creation", "customer_email",
    "customer_update", "discounts", "excluded_payment_method_types", "expand", "expires_at", "integration_identifier",
    "invoice_creation", "line_items", "locale", "managed_payments", "metadata", "mode", "name_collection",
    "optional_items", "origin_context", "payment_intent_data", "payment_method_collection",
    "payment_method_configuration", "payment_method_data", "payment_method_options", "permissions",
    "phone_number_collection", "redirect_on_completion", "return_url", "saved_payment_method_options",
    "setup_intent_data", "shipping_address_collection", "shipping_options", "submit_type", "subscription_data",
    "success_url", "tax_id_collection", "ui_mode", "wallet_options",
)
# fmt: on

SESSION_CREATE_PARAMS = Hash(
    {
        "mode": Enum(("payment", "setup", "subscription")),
        "ui_mode": Enum(("elements", "embedded_page", "form", "hosted_page")),
        "line_items": Array(_LINE_ITEM, max_items=100),
        "success_url": Url(),
        "cancel_url": Url(),
        "client_reference_id": String(200),
        "metadata": Metadata(),
        "customer_email": Email(),
        "shipping_address_collection": Hash(
            {"allowed_countries": Array(Enum(SHIPPING_COUNTRIES))}, required=["allowed_countries"]
        ),
        "shipping_options": Array(_SHIPPING_OPTION, max_items=5),
        "automatic_tax": Hash({"enabled": Boolean()}, required=["enabled"], known=["liability"]),
        "allow_promotion_codes": Boolean(),
        "billing_address_collection": Enum(("auto", "required")),
        "phone_number_collection": Hash({"enabled": Boolean()}, required=["enabled"]),
        "submit_type": Enum(("auto", "book", "donate", "pay", "subscribe")),
        "expires_at": Integer(),
        "payment_intent_data": Hash(
            {"metadata": Metadata(), "description": String(1000), "receipt_email": Email()},
            known=[
                "application_fee_amount",
                "capture_method",
                "on_behalf_of",
                "setup_future_usage",
                "shipping",
                "statement_descriptor",
                "statement_descriptor_suffix",
                "transfer_data",
                "transfer_group",
            ],
        ),
        "locale": Enum(CHECKOUT_LOCALES),
        "custom_text": Hash(
            {
                name: Hash({"message": String(1200)}, required=["message"])
                for name in ("after_submit", "shipping_address", "submit")
            },
            # Stripe shows it only with consent_collection[terms_of_service]=required,
            # which needs a terms URL in the account's settings: not in the stand-in.
            known=["terms_of_service_acceptance"],
        ),
        "expand": EXPAND,
    },
    required=["mode"],
    known=_SESSION_CREATE_KNOWN,
)

EXPAND_ONLY_PARAMS = Hash({"expand": EXPAND})

SESSION_LIST_PARAMS = Hash(
    {**_PAGINATION, "payment_intent": String(), "status": Enum(("complete", "expired", "open"))},
    known=["created", "customer", "customer_account", "customer_details", "payment_link", "subscription"],
)

LINE_ITEM_LIST_PARAMS = Hash(dict(_PAGINATION))

PAYMENT_INTENT_RETRIEVE_PARAMS = Hash({"client_secret": String(), "expand": EXPAND})

REFUND_CREATE_PARAMS = Hash(
    {
        "payment_intent": String(),
        "charge": String(),
        "amount": Integer(min=1),
        "reason": Enum(("duplicate", "fraudulent", "requested_by_customer")),
        "metadata": Metadata(),
        "expand": EXPAND,
    },
    known=["currency", "customer", "instructions_email", "origin", "refund_application_fee", "reverse_transfer"],
)

REFUND_LIST_PARAMS = Hash(
    {**_PAGINATION, "charge": String(), "payment_intent": String()},
    known=["created"],
)

EVENT_LIST_PARAMS = Hash(
    {**_PAGINATION, "type": String(), "types": Array(String(), max_items=20)},
    known=["created", "delivery_success"],
)

DISPUTE_LIST_PARAMS = Hash(
    {**_PAGINATION, "charge": String(), "payment_intent": String()},
    known=["created"],
)

DISPUTE_UPDATE_PARAMS = Hash(
    {
        # Text evidence only: the file fields take File ids, and the stand-in has no Files API.
        "evidence": Hash(
            {name: String(20000) for name in DISPUTE_TEXT_EVIDENCE},
            known=[*DISPUTE_FILE_EVIDENCE, "appeal", "enhanced_evidence"],
        ),
        "metadata": Metadata(),
        "submit": Boolean(),
        "expand": EXPAND,
    },
    known=["intended_submission_method"],
)
