"""Real parts for the money path: the Stripe stand-in over HTTP, the shop served on a
loopback port (so the stand-in can deliver webhooks to it), and an SMTP server."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from werkzeug.serving import WSGIRequestHandler, make_server

from stripe_standin.testing import StandinServer, start_standin

WEBHOOK_SECRET = "whsec_test_checkout"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class LiveShop:
    """The test's app on a real loopback port, in a thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # A short poll interval: shutdown() at teardown returns at once instead of after 0.5 s.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    server = start_standin(webhook_secret=WEBHOOK_SECRET, api_key="sk_test_checkout", retry_delays=(0.05, 0.1, 0.2))
    yield server
    server.stop()


@pytest.fixture
def app_config(standin) -> dict[str, Any]:
    return {
        "STRIPE_SECRET_KEY": standin.api_key,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": standin.base_url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        "STRIPE_TIMEOUT_SECONDS": 5,
    }


@pytest.fixture
def live_shop(app, standin) -> Iterator[LiveShop]:
    shop = LiveShop(app)
    app.config["SHOP_BASE_URL"] = shop.url
    standin.set_webhook_url(f"{shop.url}/webhooks/stripe")
    yield shop
    standin.set_webhook_url(None)
    shop.stop()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, Mailbox]]:
    """A real SMTP server (aiosmtpd) on loopback; yields (SMTP_URL, mailbox)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield f"smtp://127.0.0.1:{controller.port}", mailbox
    controller.stop()
