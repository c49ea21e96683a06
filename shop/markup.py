"""Markdown to safe HTML, for anything staff or visitors write.

markdown-it-py renders (raw HTML in the source is not passed through), then nh3
(the Rust `ammonia` sanitiser) keeps only an allow-list of tags, attributes and URL
schemes, so a `<script>` or a `javascript:` link never reaches a page.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "ul", "ol", "li",
    "blockquote", "a", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
    "figure", "figcaption", "img", "section", "aside", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "sup": {"id"},
    "li": {"id"},
    "th": {"align"},
    "td": {"align"},
    "h2": {"id"},
    "h3": {"id"},
    "span": {"class"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable("table")

# Content is rendered when it is saved, and the HTML is stored with this version. Change it
# whenever the renderer or the allow-list changes what it makes: HTML stored under an older
# version is then rendered again instead of being shown as it was.
RENDERER_VERSION = "1"


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str | None) -> Markup:
    """Render Markdown written by staff or visitors into HTML that is safe to show."""
    if not source:
        return Markup("")
    return Markup(sanitise_html(_md.render(source)))
