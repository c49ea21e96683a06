"""Events: emitting them (and queueing their delivery), resending, listing."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from .. import objects
from .state import RequestInfo, StoreState, newest_first


class EventsMixin(StoreState):
    def get_event(self, event_id: str) -> dict[str, Any]:
        return self.event_view(self._get(self.events, "event", event_id, "id"))

    def event_view(self, event: dict[str, Any]) -> dict[str, Any]:
        return {**event, "pending_webhooks": self.dispatcher.pending_count(event["id"])}

    def list_events(self, types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = set(types) if types else None
        return [
            self.event_view(e) for e in newest_first(self.events) if wanted is None or _type_matches(e["type"], wanted)
        ]

    def _emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        req: RequestInfo,
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        event = objects.event(
            event_type=event_type,
            obj=copy.deepcopy(obj),
            created=self.now(),
            api_version=self.config.api_version,
            request_id=req.request_id,
            idempotency_key=req.idempotency_key,
            previous_attributes=previous_attributes,
        )
        self.events[event["id"]] = event
        # The delivered body says how many endpoints still wait for it (one).
        self.dispatcher.enqueue({**event, "pending_webhooks": 1})
        return event

    def resend_event(self, event_id: str) -> dict[str, Any] | None:
        with self.lock:
            event = self._get(self.events, "event", event_id, "id")
        delivery = self.dispatcher.resend(event)
        return delivery.summary() if delivery else None


def _type_matches(event_type: str, wanted: set[str]) -> bool:
    # Stripe's ``type`` filter accepts ``*`` wildcards such as ``checkout.session.*``.
    for pattern in wanted:
        if pattern == event_type:
            return True
        if pattern.endswith("*") and event_type.startswith(pattern[:-1]):
            return True
    return False
