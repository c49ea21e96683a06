"""Fixtures for the stand-in's tests: a running stand-in, a StripeClient, a webhook receiver."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe

from stripe_standin.testing import StandinServer, start_standin
from tests.stripe_standin.support import API_KEY, WEBHOOK_SECRET, WebhookReceiver, session_params


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    rec = WebhookReceiver()
    yield rec
    rec.stop()


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    server = start_standin(
        api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, retry_delays=(0.05, 0.1), sweep_interval=0.05
    )
    yield server
    server.stop()


@pytest.fixture
def client(standin: StandinServer) -> Iterator[stripe.StripeClient]:
    # One shared requests.Session (also used from webhook-handler threads) that
    # is closed after the test, so no sockets are left for the garbage collector.
    http_session = requests.Session()
    yield standin.client(http_client=stripe.RequestsClient(session=http_session))
    http_session.close()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def make_session(client: stripe.StripeClient) -> Callable[..., stripe.checkout.Session]:
    def make(**overrides: Any) -> stripe.checkout.Session:
        return client.v1.checkout.sessions.create(params=session_params(**overrides))

    return make
