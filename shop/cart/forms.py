"""Parsing what the cart forms send. Quantities are strict whole numbers: "abc", "1.5",
"-1" and 10^12 are refused with words a shopper understands."""
from __future__ import annotations

import re

from shop.cart.services import InvalidQuantity

_WHOLE_NUMBER = re.compile(r"\d{1,6}")


def parse_quantity(raw: str | None, *, default: int | None, allow_zero: bool, max_quantity: int) -> int:
    lowest = 0 if allow_zero else 1
    hint = f"Please choose a whole number from {lowest} to {max_quantity}."
    if raw is None or raw.strip() == "":
        if default is None:
            raise InvalidQuantity(hint)
        return default
    raw = raw.strip()
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise InvalidQuantity(hint)
    quantity = int(raw)
    if quantity < lowest or quantity > max_quantity:
        raise InvalidQuantity(hint)
    return quantity
