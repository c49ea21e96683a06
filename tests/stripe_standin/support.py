"""Helpers for the stand-in's tests: a webhook receiver and the shop's session parameters."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from stripe_standin.testing import StandinServer

REPO_ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_test_secret"
API_KEY = "sk_test_standin"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class Received:
    body: str
    headers: dict[str, str]
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class WebhookReceiver:
    """A tiny webhook endpoint on loopback that records what it receives.

    ``fail_next(500, 500)`` makes the next two requests fail with those codes;
    ``handler`` (if set) runs for every request before it is answered, like a
    shop's webhook view would.
    """

    def __init__(self) -> None:
        self.handler: Callable[[dict[str, Any]], None] | None = None
        self.received: list[Received] = []
        self._failures: list[int] = []
        self._cond = threading.Condition()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.port}/webhooks/stripe"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if self.handler is not None:
            self.handler(json.loads(request.get_data(as_text=True)))
        with self._cond:
            status = self._failures.pop(0) if self._failures else 200
            self.received.append(Received(request.get_data(as_text=True), dict(request.headers), status))
            self._cond.notify_all()
        return Response("{}", status=status, mimetype="application/json")(environ, start_response)

    def fail_next(self, *statuses: int) -> None:
        with self._cond:
            self._failures.extend(statuses)

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.received):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"webhook condition not met; received {[r.event['type'] for r in self.received]}"
                    )
                self._cond.wait(remaining)
            return list(self.received)

    def types(self) -> list[str]:
        with self._cond:
            return [r.event["type"] for r in self.received if r.answered == 200]

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
        self._server.server_close()


def event_types(standin: StandinServer) -> list[str]:
    """The types of the events the stand-in created so far, oldest first."""
    return [e["type"] for e in standin.events()]


def session_params(**overrides: Any) -> dict[str, Any]:
    """The parameters the shop sends, with a line item, shipping and metadata."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 2500,
                    "product_data": {
                        "name": "Enamel mug",
                        "description": "Blue, 300 ml",
                        "images": ["https://shop.example/img/mug.png"],
                        "metadata": {"sku": "MUG-1"},
                    },
                },
                "quantity": 2,
            },
            {
                "price_data": {"currency": "eur", "unit_amount": 990, "product_data": {"name": "Tea towel"}},
                "quantity": 1,
            },
        ],
        "success_url": "http://shop.example/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.example/checkout/cancel",
        "client_reference_id": "order-ABC",
        "metadata": {"order_id": "ABC"},
        "customer_email": "jane@example.com",
        "shipping_address_collection": {"allowed_countries": ["DE", "AT"]},
        "shipping_options": [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Standard",
                    "fixed_amount": {"amount": 490, "currency": "eur"},
                    "delivery_estimate": {
                        "minimum": {"unit": "business_day", "value": 2},
                        "maximum": {"unit": "business_day", "value": 4},
                    },
                }
            },
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Express",
                    "fixed_amount": {"amount": 1290, "currency": "eur"},
                }
            },
        ],
        "automatic_tax": {"enabled": False},
        "allow_promotion_codes": False,
        "expires_at": int(time.time()) + 3600,
        "payment_intent_data": {"metadata": {"order_id": "ABC"}},
        "locale": "de",
    }
    params.update(overrides)
    return params
