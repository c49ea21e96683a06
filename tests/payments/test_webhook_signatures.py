"""POST /webhooks/stripe: the gateway checks the Stripe-Signature header on the raw bytes before
anything is read. Tests sign with our own helper, built exactly as Stripe's algorithm."""
from __future__ import annotations

import json
import time

import pytest

from shop.orders.models import OrderStatus
from tests.support.db import (
    nothing_happened,
    reload,
    stripe_event_rows,
)
from tests.support.stripe import (
    WEBHOOK_SECRET,
    completed_body,
    post_webhook,
    stripe_signature,
)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: (body, stripe_signature(body, "whsec_wrong")), id="wrong-secret"),
        pytest.param(lambda body: (body.replace('"amount_total": 6975', '"amount_total": 1'),
                                   stripe_signature(body, WEBHOOK_SECRET)), id="amount-changed-after-signing"),
        pytest.param(lambda body: (body + "\n", stripe_signature(body, WEBHOOK_SECRET)), id="newline-added"),
        pytest.param(lambda body: (json.dumps(json.loads(body)), stripe_signature(body, WEBHOOK_SECRET)),
                     id="reformatted-json"),
        pytest.param(lambda body: (body, stripe_signature(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)),
                     id="stale-timestamp"),
        pytest.param(lambda body: (body, None), id="missing-header"),
        pytest.param(lambda body: (body, ""), id="empty-header"),
        pytest.param(lambda body: (body, stripe_signature(body, WEBHOOK_SECRET, scheme="v0")), id="only-v0-scheme"),
        pytest.param(lambda body: (body, f"t={int(time.time())}"), id="no-signature"),
        pytest.param(lambda body: (body, "v1=abc,t=soon"), id="garbled-header"),
    ],
)
def test_an_event_that_fails_the_signature_check_is_refused(app, client, standin, trainer, paid_at_stripe, forge):
    assert '"amount_total": 6975' in completed_body(standin)
    body, signature = forge(completed_body(standin))

    response = post_webhook(client, body, signature)

    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid signature"}
    nothing_happened(paid_at_stripe, trainer)


def test_a_timestamp_within_five_minutes_is_accepted(app, client, standin, paid_at_stripe):
    body = completed_body(standin)

    response = post_webhook(client, body, stripe_signature(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 280))

    assert response.status_code == 200
    assert reload(paid_at_stripe).status is OrderStatus.PAID


def test_one_good_signature_among_several_is_enough(app, client, standin, paid_at_stripe):
    # Stripe sends one v1 per active secret while a secret is being rolled.
    body = completed_body(standin)
    good = stripe_signature(body, WEBHOOK_SECRET)
    old = stripe_signature(body, "whsec_old").split(",")[1]

    response = post_webhook(client, body, f"{good},{old}")

    assert response.status_code == 200 and reload(paid_at_stripe).status is OrderStatus.PAID


@pytest.mark.parametrize("body", ["not json at all", "[1, 2, 3]", '{"id": "evt_1", "type": "x"}', b"\xff\xfe\x00"],
                         ids=["text", "json-list", "no-data", "not-utf8"])
def test_a_signed_body_that_is_not_a_stripe_event_is_refused(app, client, body):
    response = post_webhook(client, body, stripe_signature(body, WEBHOOK_SECRET))

    assert response.status_code == 400
    assert stripe_event_rows() == 0
