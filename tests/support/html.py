"""Reading HTML in tests as a browser would, not as a string."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

ACTIVE_TAGS = {"script", "iframe", "object", "embed", "style", "base", "form", "meta", "link"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def elements(markup: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Collector()
    parser.feed(markup)
    return parser.elements


def dangerous_markup(fragment: str, allowed_tags: set[str] = frozenset()) -> list[str]:
    """What in this HTML fragment could run script: active tags, on* handlers, script URLs."""
    found = []
    for tag, attrs in elements(fragment):
        if tag in ACTIVE_TAGS - set(allowed_tags):
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag}[{name}]")
            if name in URL_ATTRS and re.match(r"\s*(javascript|data|vbscript):", html.unescape(value), re.I):
                found.append(f"{tag}[{name}={value[:30]}]")
    return found


def page_text(response) -> str:
    """The visible words of an HTML response, for assertions that read like a shopper."""
    markup = response.get_data(as_text=True)
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))).strip()
