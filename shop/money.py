"""Money is integer cents (the currency's minor unit) plus a currency code, everywhere.

This is the one place that turns it into text for people.
"""
from __future__ import annotations

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


def parse_money(text: str) -> int:
    """Parse "129.00" or "129" typed by staff into cents, without floats."""
    text = text.strip().replace(",", "").lstrip("$")
    if not text:
        raise ValueError("Enter an amount, for example 129.00")
    whole, _, minor = text.partition(".")
    if not whole.isdigit() and whole != "" or (minor and (not minor.isdigit() or len(minor) > 2)):
        raise ValueError("Enter an amount such as 129.00")
    return int(whole or "0") * 100 + int((minor + "00")[:2])
