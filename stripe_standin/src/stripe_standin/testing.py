"""Run the stand-in inside a test process.

    from stripe_standin.testing import start_standin

    standin = start_standin(webhook_url="http://127.0.0.1:5001/webhooks/stripe")
    client = standin.client()          # stripe.StripeClient pointed at the stand-in
    session = client.v1.checkout.sessions.create(params={...})
    standin.pay(session.id)            # as if the customer paid with 4242...
    standin.wait_for_deliveries()      # all webhooks delivered (or given up)
    standin.stop()

The server is a real threaded werkzeug server on a free loopback port, so the
official ``stripe`` library talks to it over HTTP exactly as it would to
api.stripe.com.  It is also a context manager.  The helper methods below
(``pay``, ``settle``, ...) call the ``/_standin`` control endpoints.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import Standin, create_standin
from .config import StandinConfig

if TYPE_CHECKING:  # pragma: no cover
    import stripe


class _QuietHandler(WSGIRequestHandler):
    """No access log lines in test output (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class StandinServer:
    """A running stand-in; see the module docstring."""

    def __init__(self, standin: Standin, server: BaseWSGIServer, thread: threading.Thread) -> None:
        self.standin = standin
        self._server = server
        self._thread = thread
        self.base_url = f"http://{server.host}:{server.port}"

    # -- configuration -------------------------------------------------------

    @property
    def api_key(self) -> str:
        return self.standin.config.api_key

    @property
    def webhook_secret(self) -> str:
        return self.standin.config.webhook_secret

    def set_webhook_url(self, url: str | None) -> None:
        """Send events created from now on to ``url`` (``None``: record only)."""
        self.standin.dispatcher.set_url(url)

    def client(self, **kwargs: Any) -> stripe.StripeClient:
        """A ``stripe.StripeClient`` for this stand-in (no network retries)."""
        import stripe

        kwargs.setdefault("max_network_retries", 0)
        return stripe.StripeClient(self.api_key, base_addresses={"api": self.base_url}, **kwargs)

    # -- waiting and inspection ------------------------------------------------

    def wait_for_deliveries(self, timeout: float = 5.0) -> None:
        """Block until every queued webhook was delivered or ran out of retries."""
        if not self.standin.dispatcher.wait_idle(timeout):
            raise TimeoutError(f"webhook deliveries still pending after {timeout}s")

    def wait_for_sweep(self, timeout: float = 5.0) -> None:
        """Block until the background sweeper has looked at every session afresh."""
        if not self.standin.sweeper.wait_for_pass(timeout):
            raise TimeoutError(f"the sweeper made no pass in {timeout}s")

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Events created so far, oldest first (optionally of one ``type``)."""
        store = self.standin.store
        with store.lock:
            return [store.event_view(e) for e in store.events.values() if type is None or e["type"] == type]

    def deliveries(self, event_id: str) -> list[dict[str, Any]]:
        """Delivery records (attempts with status codes / errors) of one event."""
        return self.standin.dispatcher.deliveries(event_id)

    # -- test controls (same code paths as the /_standin endpoints) ------------

    def _control(self, path: str, data: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        with self.standin.app.test_client() as http:
            response = http.post(f"/_standin{path}", data=data or {})
            return response.status_code, response.get_json()

    def pay(self, session_id: str, method: str = "card_success", **fields: str) -> dict[str, Any]:
        """Pay a session like the hosted form (``card_success``, ``card_declined``, ``delayed``).

        Returns the control endpoint's JSON plus ``http_status`` (303 success
        redirect, 200 without success_url, 402 declined, 4xx otherwise).
        """
        status, body = self._control(f"/pay/{session_id}", {"method": method, **fields})
        return {**body, "http_status": status}

    def settle(self, payment_intent_id: str, outcome: str = "succeeded") -> dict[str, Any]:
        return self._checked(f"/payment_intents/{payment_intent_id}/settle", {"outcome": outcome})

    def refund_from_dashboard(self, payment_intent_id: str, amount: int | None = None) -> dict[str, Any]:
        data = {"amount": str(amount)} if amount is not None else {}
        return self._checked(f"/payment_intents/{payment_intent_id}/refund", data)

    def open_dispute(
        self, payment_intent_id: str, reason: str = "fraudulent", amount: int | None = None, inquiry: bool = False
    ) -> dict[str, Any]:
        """The card holder's bank disputes a paid payment (``charge.dispute.created``)."""
        data = {"reason": reason, "inquiry": "true" if inquiry else "false"}
        if amount is not None:
            data["amount"] = str(amount)
        return self._checked(f"/payment_intents/{payment_intent_id}/dispute", data)

    def decide_dispute(self, dispute_id: str, status: str) -> dict[str, Any]:
        """The bank moves a dispute on (``under_review``, ``won``, ``lost``, ``warning_closed``, ...)."""
        return self._checked(f"/disputes/{dispute_id}/decide", {"status": status})

    def expire_now(self, session_id: str) -> dict[str, Any]:
        return self._checked(f"/checkout/sessions/{session_id}/expire_now")

    def fail_refund(self, refund_id: str, failure_reason: str = "expired_or_canceled_card") -> dict[str, Any]:
        return self._checked(f"/refunds/{refund_id}/fail", {"failure_reason": failure_reason})

    def resend_event(self, event_id: str) -> dict[str, Any]:
        return self._checked(f"/events/{event_id}/resend")

    def advance_clock(self, seconds: int) -> None:
        self._checked("/clock/advance", {"seconds": str(seconds)})

    def reset(self) -> None:
        self._checked("/reset")

    def _checked(self, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        status, body = self._control(path, data)
        if status >= 400:
            raise RuntimeError(f"/_standin{path} failed with {status}: {body}")
        return body

    # -- lifecycle ----------------------------------------------------------

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
        self._server.server_close()
        self.standin.stop_background()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_standin(
    *,
    webhook_url: str | None = None,
    webhook_secret: str = "whsec_standin",
    api_key: str = "sk_test_standin",
    retry_delays: Sequence[float] = (0.1, 0.2, 0.4),
    sweep_interval: float = 0.2,
    port: int = 0,
    quiet: bool = True,
) -> StandinServer:
    """Start a stand-in on ``127.0.0.1:<port>`` (0 = any free port) in a daemon thread."""
    config = StandinConfig(
        api_key=api_key,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        retry_delays=tuple(retry_delays),
        webhook_timeout=5.0,
        sweep_interval=sweep_interval,
    )
    standin = create_standin(config)
    server = make_server(
        "127.0.0.1", port, standin.app, threaded=True, request_handler=_QuietHandler if quiet else None
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="standin-http", daemon=True
    )
    thread.start()
    standin.start_background()
    return StandinServer(standin, server, thread)
