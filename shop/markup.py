"""Markdown to safe HTML, for anything staff or visitors write.

markdown-it-py renders (raw HTML in the source is not passed through), then nh3
(the Rust `ammonia` sanitiser) keeps only an allow-list of tags, attributes and URL
schemes, so a `<script>` or a `javascript:` link never reaches a page.

Content is rendered when it is saved, not when it is shown: a model that mixes in
StoredMarkdown keeps the HTML beside its Markdown, with the renderer's version.
"""
from __future__ import annotations

from typing import Any, ClassVar

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shop.database import begin_write
from shop.extensions import db

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


# ---------------------------------------------------------------- Markdown stored rendered

# What render_markdown produces, as a number. Raise it with any change to the renderer or
# the allow-list: rows rendered by an older version are shown rendered afresh (never
# written on a GET) until `flask markup refresh` or their next save stores the new HTML.
MARKUP_VERSION = 1


class StoredMarkdown:
    """A model whose Markdown is rendered when it is saved, not on every view.

    Declare which source column feeds which HTML column, and the columns themselves:

        class Product(StoredMarkdown, db.Model):
            __markdown__ = {"description": "description_html"}
            description: Mapped[str] = mapped_column(Text, default="")
            description_html: Mapped[str] = mapped_column(Text, default="")

    The mixin adds `markup_version` (the MARKUP_VERSION the HTML was rendered with). Every
    flush of a new row, of a row whose source changed, or of a row rendered by an older
    version renders the HTML first, so a save through the ORM (a staff form setting
    `product.description = ...`) needs nothing more. Bulk `update()` statements bypass the
    ORM and so this hook: set sources through the objects. Read with `html_of("description")`.
    """

    __markdown__: ClassVar[dict[str, str]] = {}
    markup_version: Mapped[int] = mapped_column(default=0)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not event.contains(Session, "before_flush", _render_before_flush):
            event.listen(Session, "before_flush", _render_before_flush)

    def html_of(self, source: str) -> Markup:
        """The safe HTML of a Markdown column: as stored, or rendered now when the stored
        HTML is missing or from an older renderer."""
        if self.markup_version == MARKUP_VERSION:
            return Markup(getattr(self, self.__markdown__[source]) or "")
        return render_markdown(getattr(self, source))

    def render_stored_markdown(self) -> None:
        for source, target in self.__markdown__.items():
            setattr(self, target, str(render_markdown(getattr(self, source))))
        self.markup_version = MARKUP_VERSION

    def _markdown_changed(self) -> bool:
        if self.markup_version != MARKUP_VERSION:
            return True
        state = inspect(self)
        return any(state.attrs[source].history.has_changes() for source in self.__markdown__)


def _render_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.new:
        if isinstance(obj, StoredMarkdown):
            obj.render_stored_markdown()
    for obj in session.dirty:
        if isinstance(obj, StoredMarkdown) and obj._markdown_changed():
            obj.render_stored_markdown()


def stored_markdown_models() -> list[type[StoredMarkdown]]:
    return [mapper.class_ for mapper in db.Model.registry.mappers if issubclass(mapper.class_, StoredMarkdown)]


def refresh_stored_markdown(batch: int = 200) -> int:
    """Store fresh HTML for every row rendered by an older MARKUP_VERSION (after an upgrade
    that changed the renderer). Commits every `batch` rows; safe to run again. Returns how
    many rows were rendered."""
    rendered = 0
    for model in stored_markdown_models():
        while True:
            begin_write()
            rows = db.session.scalars(
                select(model).where(model.markup_version != MARKUP_VERSION).order_by(model.id).limit(batch)
            ).all()
            for row in rows:
                row.render_stored_markdown()
            db.session.commit()
            rendered += len(rows)
            if len(rows) < batch:
                break
    return rendered
