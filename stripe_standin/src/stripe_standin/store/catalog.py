"""Line items and what they are made of: Products, Prices and ShippingRates.

Checkout creates these inline from ``price_data`` / ``shipping_rate_data``, or
reuses ones the stand-in created before (``price``, ``shipping_rate``).  Each
comes in two steps, ``_plan_*`` (validate, create nothing) and ``_create_*``,
so that a rejected session leaves no stray objects behind.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import objects
from ..errors import ValidationError, missing_param
from .state import StoreState

#: (price spec or existing price, product spec or existing product id, quantity, metadata)
PlannedLineItem = tuple[dict[str, Any], dict[str, Any] | str, int, dict[str, str]]


class CatalogMixin(StoreState):
    def _plan_line_item(self, index: int, item: dict[str, Any]) -> PlannedLineItem:
        path = f"line_items[{index}]"
        if ("price" in item) == ("price_data" in item):
            raise ValidationError(
                "You must provide either price or price_data for each line item when using prices.", param=path
            )
        if "quantity" not in item:
            raise missing_param(f"{path}[quantity]")
        if "price" in item:
            existing = self._get(self.prices, "price", item["price"], f"{path}[price]", status=400)
            return existing, existing["product"], item["quantity"], item.get("metadata", {})
        data = item["price_data"]
        data_path = f"{path}[price_data]"
        if "unit_amount" not in data:
            raise missing_param(f"{data_path}[unit_amount]")
        if ("product" in data) == ("product_data" in data):
            raise ValidationError(
                "You must specify either `product` or `product_data` when creating a price.", param=data_path
            )
        product_spec: dict[str, Any] | str
        if "product" in data:
            product_spec = self._get(self.products, "product", data["product"], f"{data_path}[product]", status=400)[
                "id"
            ]
        else:
            product_spec = data["product_data"]
        return data, product_spec, item["quantity"], item.get("metadata", {})

    def _create_line_item(
        self,
        price_spec: dict[str, Any],
        product_spec: dict[str, Any] | str,
        quantity: int,
        metadata: dict[str, str],
        now: int,
    ) -> dict[str, Any]:
        if price_spec.get("object") == "price":  # an existing price (line_items[N][price])
            price_obj = price_spec
        else:
            if isinstance(product_spec, str):
                product_id = product_spec
            else:
                product_obj = objects.product(product_spec, now)
                self.products[product_obj["id"]] = product_obj
                product_id = product_obj["id"]
            price_obj = objects.price(price_spec, product_id, now)
            self.prices[price_obj["id"]] = price_obj
        name = self.products[price_obj["product"]]["name"]
        return objects.line_item(copy.deepcopy(price_obj), name, quantity, metadata)

    def _plan_shipping_option(self, index: int, option: dict[str, Any], currency: str) -> dict[str, Any]:
        path = f"shipping_options[{index}]"
        if ("shipping_rate" in option) == ("shipping_rate_data" in option):
            raise ValidationError("You must provide either shipping_rate or shipping_rate_data.", param=path)
        if "shipping_rate" in option:
            rate = self._get(
                self.shipping_rates, "shipping_rate", option["shipping_rate"], f"{path}[shipping_rate]", status=400
            )
            param = f"{path}[shipping_rate]"
        else:
            rate = option["shipping_rate_data"]
            param = f"{path}[shipping_rate_data][fixed_amount][currency]"
            if "fixed_amount" not in rate:
                raise missing_param(f"{path}[shipping_rate_data][fixed_amount]")
        rate_currency = rate["fixed_amount"]["currency"]
        if rate_currency != currency:
            raise ValidationError(
                f"The currency of the shipping rate ({rate_currency}) must match the currency of the "
                f"line items ({currency}).",
                param=param,
            )
        return rate

    def _create_shipping_rate(self, spec: dict[str, Any], now: int) -> dict[str, Any]:
        if spec.get("object") == "shipping_rate":
            return spec
        rate = objects.shipping_rate(spec, now)
        self.shipping_rates[rate["id"]] = rate
        return rate
