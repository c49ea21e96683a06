"""Money is integer cents (the currency's minor unit) plus a currency code, everywhere.

This is the one place that turns it into text for people.
"""
from __future__ import annotations

import re

# Currencies whose smallest unit is the whole unit (Stripe calls them zero-decimal).
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
SYMBOLS = {"usd": "$", "cad": "CA$", "aud": "A$", "nzd": "NZ$", "eur": "€", "gbp": "£", "jpy": "¥"}


def format_money(cents: int | None, currency: str = "usd") -> str:
    """Format minor units for display: 12900, "usd" -> "$129.00"."""
    if cents is None:
        return ""
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise TypeError(f"money must be integer minor units, got {cents!r}")
    currency = currency.lower()
    sign = "-" if cents < 0 else ""
    symbol = SYMBOLS.get(currency, currency.upper() + " ")
    if currency in ZERO_DECIMAL:
        return f"{sign}{symbol}{abs(cents):,}"
    whole, minor = divmod(abs(cents), 100)
    return f"{sign}{symbol}{whole:,}.{minor:02d}"


# ASCII digits only: \d would also take other scripts' digits, which int() then reads.
_AMOUNT = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<minor>[0-9]{1,2}))?")


def parse_money(text: str, currency: str = "usd") -> int:
    """Parse an amount typed by staff ("129", "129.5", "1,299.99") into minor units,
    without floats. Zero-decimal currencies take whole numbers only."""
    cleaned = text.strip().lstrip(SYMBOLS.get(currency.lower(), "$")).strip()
    match = _AMOUNT.fullmatch(cleaned)
    if not cleaned or not match or not (match["whole"] or match["minor"]):
        raise ValueError("Enter an amount such as 129.00")
    whole = int((match["whole"] or "0").replace(",", ""))
    if currency.lower() in ZERO_DECIMAL:
        if match["minor"] is not None:
            raise ValueError("Enter a whole amount, without decimals")
        return whole
    return whole * 100 + int((match["minor"] or "").ljust(2, "0"))


def amount_for_input(cents: int, currency: str = "usd") -> str:
    """Minor units as staff type them back into a form: 12900 -> "129.00", no symbol or commas."""
    if currency.lower() in ZERO_DECIMAL:
        return str(cents)
    whole, minor = divmod(cents, 100)
    return f"{whole}.{minor:02d}"
