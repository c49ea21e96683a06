"""What text the shop accepts from outside, written once.

Control characters (Unicode category Cc: NUL, the other C0 codes, DEL, and the C1 codes
such as U+0085) mean nothing to a reader and break things downstream: PostgreSQL refuses
NUL in text, email headers split on line breaks. The shop refuses them in every request
(shop/security.py), except tab, carriage return and line feed in form fields, because a
story or a staff note is written over several lines.

Single-line values (a name, an email address, a subject) must never carry a line break of
any kind, including the Unicode ones (U+2028, U+2029) that are not control characters:
`one_line` turns each run of them into one space.
"""
from __future__ import annotations

import re

# Everything Unicode calls a control character (category Cc).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same, less the three that multi-line text is made of.
_CONTROL_IN_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Every character that ends a line somewhere (str.splitlines' list), and tabs: in a
# single-line value each run of them becomes one space.
_LINE_BREAKS = re.compile(r"[\t\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029]+")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True when `value` holds a control character (tab, CR and LF are fine in multi-line text)."""
    pattern = _CONTROL_IN_MULTILINE if multiline else _CONTROL
    return pattern.search(value) is not None


def one_line(value: str | None) -> str | None:
    """The value on one line: line breaks (any kind) become a space, other control
    characters are dropped. None stays None (an empty form field)."""
    if value is None:
        return None
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", value))


def header_value(value: str) -> str:
    """A value safe to put in an email header: one line, trimmed."""
    return (one_line(value) or "").strip()
