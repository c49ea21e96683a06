"""``expand[]``: replacing ids in a response by the objects they reference."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from .. import objects
from ..errors import ValidationError
from .state import StoreState

# Fields that ``expand[]`` may replace by the object they reference, per object type.
EXPANDABLE: dict[str, frozenset[str]] = {
    "checkout.session": frozenset(
        {"payment_intent", "customer", "invoice", "payment_link", "setup_intent", "subscription", "line_items"}
    ),
    "payment_intent": frozenset(
        {"latest_charge", "payment_method", "customer", "application", "on_behalf_of", "review"}
    ),
    "charge": frozenset(
        {"payment_intent", "balance_transaction", "customer", "application", "application_fee", "review"}
    ),
    "refund": frozenset({"charge", "payment_intent", "balance_transaction", "failure_balance_transaction"}),
    "dispute": frozenset({"charge", "payment_intent"}),
    "price": frozenset({"product"}),
    "product": frozenset({"default_price"}),
    "item": frozenset(),
    "shipping_rate": frozenset(),
    "event": frozenset(),
}
MAX_EXPAND_DEPTH = 4


class ExpansionMixin(StoreState):
    def expand(self, obj: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
        """Return a deep copy of ``obj`` with ``expand[]`` paths resolved."""
        result = copy.deepcopy(obj)
        for path in paths:
            parts = path.split(".")
            if len(parts) > MAX_EXPAND_DEPTH:
                raise ValidationError(
                    f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. Property: {path}",
                    param="expand",
                )
            self._expand_into(result, parts, path)
        return result

    def _expand_into(self, node: Any, parts: list[str], path: str) -> None:
        if isinstance(node, list):
            for item in node:
                self._expand_into(item, parts, path)
            return
        if not isinstance(node, dict):
            return
        key, rest = parts[0], parts[1:]
        if node.get("object") == "list" and key == "data":
            if rest:
                self._expand_into(node["data"], rest, path)
            return
        object_type = node.get("object")
        if object_type == "checkout.session" and key == "line_items":
            node[key] = self._line_items_list(node["id"], self.line_items.get(node["id"], []))
        elif object_type in EXPANDABLE and key in EXPANDABLE[object_type]:
            value = node.get(key)
            if isinstance(value, str):
                target = self.resolve(value)
                if target is not None:
                    node[key] = copy.deepcopy(target)
        elif rest and isinstance(node.get(key), (dict, list)):
            pass  # a plain nested hash (e.g. shipping_cost): walk through it
        else:
            raise ValidationError(f"This property cannot be expanded ({path}).", param="expand")
        if rest and node.get(key) is not None:
            self._expand_into(node[key], rest, path)

    @staticmethod
    def _line_items_list(session_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        return objects.list_object(copy.deepcopy(items), f"/v1/checkout/sessions/{session_id}/line_items")
