"""The state every part of the store shares: the tables, the lock and the clock."""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..config import StandinConfig
from ..errors import resource_missing
from ..webhooks import WebhookDispatcher


@dataclass(frozen=True)
class RequestInfo:
    """What an event's ``request`` field records about the API call behind it."""

    request_id: str | None = None
    idempotency_key: str | None = None
    base_url: str = ""


#: Events caused by the customer (hosted page) or by time carry ``request.id: null``.
NO_REQUEST = RequestInfo()


class StoreState:
    """Tables of stored objects (the very dicts the API returns), keyed by id."""

    def __init__(self, config: StandinConfig, dispatcher: WebhookDispatcher) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.lock = threading.RLock()
        self.clock_offset = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.line_items: dict[str, list[dict[str, Any]]] = {}
        self.session_base_url: dict[str, str] = {}
        # payment_intent_data from session creation, applied when the PaymentIntent is created.
        self.payment_intent_data: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.shipping_rates: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.disputes: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        with self.lock:
            self._reset_state()
            self.clock_offset = 0
            self.dispatcher.reset()

    def now(self) -> int:
        """Stripe time: wall clock plus the test-controlled offset."""
        return int(time.time()) + self.clock_offset

    def _get(
        self, table: dict[str, dict[str, Any]], object_name: str, object_id: str, param: str, status: int = 404
    ) -> dict[str, Any]:
        obj = table.get(object_id)
        if obj is None:
            raise resource_missing(object_name, object_id, param, status=status)
        return obj

    def resolve(self, object_id: str) -> dict[str, Any] | None:
        """Find any stored object by id (for ``expand[]``)."""
        for table in (
            self.sessions,
            self.payment_intents,
            self.charges,
            self.refunds,
            self.disputes,
            self.payment_methods,
            self.products,
            self.prices,
            self.shipping_rates,
            self.events,
        ):
            if object_id in table:
                return table[object_id]
        return None

    def snapshot(self, table: str) -> list[dict[str, Any]]:
        """Deep copies of a table's objects, newest first, to render after the lock is released."""
        with self.lock:
            return copy.deepcopy(newest_first(getattr(self, table)))


def newest_first(table: dict[str, Any]) -> list[Any]:
    """A table's objects in the order of Stripe's lists (tables keep creation order)."""
    return list(reversed(table.values()))
