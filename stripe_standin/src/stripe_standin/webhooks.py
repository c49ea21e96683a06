"""Webhook signing and delivery, the way Stripe does it.

Signing (docs.stripe.com/webhooks#verify-manually): the header is
``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` where the HMAC key is
the whole endpoint secret (``whsec_...``) and the message is
``"<t>.<raw request body>"``.  Every attempt is signed afresh with the current
time, so a retried delivery still passes the receiver's 5-minute tolerance.

Delivery: one background worker POSTs JSON bodies in creation order and retries
non-2xx answers and connection errors after the configured delays (Stripe
retries for up to three days; tests want fractions of a second).  Every attempt
is recorded so tests and the dashboard can show what happened.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .objects import new_id

#: What Stripe sends as User-Agent on webhook requests.
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"

# Never route loopback webhook traffic through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """Return a ``Stripe-Signature`` header value for ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.{payload}".encode(), hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def serialize_event(event: dict[str, Any]) -> str:
    # Stripe's webhook bodies are pretty-printed JSON with two-space indents.
    return json.dumps(event, indent=2, ensure_ascii=False)


@dataclass
class Attempt:
    number: int
    at: float
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass
class Delivery:
    id: str
    event_id: str
    event_type: str
    url: str
    body: str
    status: str = "pending"  # pending | succeeded | failed
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: float | None = None

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        del data["body"]
        return data


class WebhookDispatcher:
    """Queue + worker thread delivering events to a single endpoint URL."""

    def __init__(
        self,
        secret: str,
        url: str | None = None,
        retry_delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
        timeout: float = 10.0,
    ) -> None:
        self.secret = secret
        self._url = url
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._deliveries: dict[str, list[Delivery]] = {}
        self._bodies: dict[str, str] = {}
        self._in_flight = 0
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- configuration -------------------------------------------------------

    @property
    def url(self) -> str | None:
        return self._url

    def set_url(self, url: str | None) -> None:
        """Point future events at ``url`` (already queued deliveries keep theirs)."""
        with self._cond:
            self._url = url or None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="standin-webhooks", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
            self._thread = None
        if thread is not None:
            thread.join(timeout)

    def reset(self) -> None:
        """Forget queued and recorded deliveries (used by ``/_standin/reset``)."""
        with self._cond:
            self._heap.clear()
            self._deliveries.clear()
            self._bodies.clear()
            self._cond.notify_all()

    # -- queueing -----------------------------------------------------------

    def enqueue(self, event: dict[str, Any]) -> bool:
        """Queue a new event; returns False when no endpoint is configured."""
        with self._cond:
            if self._url is None:
                return False
            body = serialize_event(event)
            self._bodies[event["id"]] = body
            self._push(Delivery(new_id("whdel_", 14), event["id"], event["type"], self._url, body))
            return True

    def resend(self, event: dict[str, Any]) -> Delivery | None:
        """Deliver an event again (byte-identical body), like "Resend" in Stripe's dashboard."""
        with self._cond:
            if self._url is None:
                return None
            body = self._bodies.get(event["id"]) or serialize_event({**event, "pending_webhooks": 1})
            self._bodies[event["id"]] = body
            delivery = Delivery(new_id("whdel_", 14), event["id"], event["type"], self._url, body)
            self._push(delivery)
            return delivery

    def _push(self, delivery: Delivery) -> None:
        delivery.next_attempt_at = time.monotonic()
        self._deliveries.setdefault(delivery.event_id, []).append(delivery)
        heapq.heappush(self._heap, (delivery.next_attempt_at, next(self._seq), delivery))
        self._cond.notify_all()

    # -- inspection ---------------------------------------------------------

    def deliveries(self, event_id: str) -> list[dict[str, Any]]:
        with self._cond:
            return [d.summary() for d in self._deliveries.get(event_id, [])]

    def pending_count(self, event_id: str) -> int:
        """Stripe's ``pending_webhooks``: endpoints that have not acknowledged the event yet."""
        with self._cond:
            return sum(1 for d in self._deliveries.get(event_id, []) if d.status == "pending")

    def delivery_status(self, event_id: str) -> str:
        with self._cond:
            items = self._deliveries.get(event_id, [])
            if not items:
                return "not_sent"
            if any(d.status == "pending" for d in items):
                return "pending"
            return items[-1].status

    def is_idle(self) -> bool:
        with self._cond:
            return self._in_flight == 0 and not self._heap

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until nothing is queued, in flight or waiting for a retry."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_flight or self._heap:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    # -- worker ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    if self._heap and self._heap[0][0] <= time.monotonic():
                        break
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(wait)
                if self._stopping:
                    return
                _, _, delivery = heapq.heappop(self._heap)
                self._in_flight += 1
            try:
                attempt = self._post(delivery, number=len(delivery.attempts) + 1)
            except Exception as exc:  # noqa: BLE001 - a bug must not kill the worker and hang wait_idle()
                attempt = Attempt(len(delivery.attempts) + 1, time.time(), None, repr(exc), 0)
            with self._cond:
                # Recording the attempt and leaving "in flight" happen atomically,
                # so wait_idle() never sees a gap before a retry is scheduled.
                self._in_flight -= 1
                delivery.attempts.append(attempt)
                ok = attempt.status_code is not None and 200 <= attempt.status_code < 300
                retries_used = len(delivery.attempts) - 1
                still_tracked = any(d is delivery for d in self._deliveries.get(delivery.event_id, []))
                if ok:
                    delivery.status = "succeeded"
                    delivery.next_attempt_at = None
                elif retries_used < len(self.retry_delays) and still_tracked:
                    delivery.next_attempt_at = time.monotonic() + self.retry_delays[retries_used]
                    heapq.heappush(self._heap, (delivery.next_attempt_at, next(self._seq), delivery))
                else:
                    delivery.status = "failed"
                    delivery.next_attempt_at = None
                self._cond.notify_all()

    def _post(self, delivery: Delivery, number: int) -> Attempt:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Accept": "*/*; q=0.5, application/xml",
            "Cache-Control": "no-cache",
            "Stripe-Signature": sign_payload(delivery.body, self.secret),
        }
        request = urllib.request.Request(
            delivery.url, data=delivery.body.encode("utf-8"), headers=headers, method="POST"
        )
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        return Attempt(
            number=number,
            at=time.time(),
            status_code=status,
            error=error,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
