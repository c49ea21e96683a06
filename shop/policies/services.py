"""Reading and saving the policy pages.

A page's Markdown is rendered (and sanitised) when it is saved, like every other stored
Markdown (shop.markup.StoredMarkdown). The return window is a setting, not text: `[[return-days]]` in a page
stands for it, and is replaced by the number when the page is shown.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select

from shop.audit.services import Actor, changed_fields, record_change
from shop.database import write_transaction
from shop.errors import NotFound
from shop.extensions import db
from shop.policies.models import PolicyPage

# Every policy page, in the order the footer and the staff list show them: (slug, short name).
POLICIES: tuple[tuple[str, str], ...] = (
    ("returns", "Returns and refunds"),
    ("warranty", "Warranty"),
    ("shipping", "Shipping"),
    ("privacy", "Privacy"),
    ("terms", "Terms of sale"),
    ("accessibility", "Accessibility"),
)
SLUGS = frozenset(slug for slug, _ in POLICIES)
RETURN_DAYS_MARK = "[[return-days]]"
# Typed text keeps line breaks and tabs; other control characters (NUL among them) never
# reach the database.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class PolicyNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("We can't find that page. Our policies are linked at the foot of every page.")


@dataclass(frozen=True)
class PolicyView:
    slug: str
    title: str
    summary: str
    html: Markup
    updated_at: datetime


@dataclass(frozen=True)
class PolicyToSeed:
    slug: str
    title: str
    summary: str
    body: str


def policy_path(slug: str) -> str:
    """A policy page's path, for places that build addresses without a request (Stripe's
    Checkout text). routes.py serves this same pattern; a test holds the two together."""
    return f"/policies/{slug}"


def _html_of(page: PolicyPage, return_window_days: int) -> Markup:
    html = str(page.html_of("body"))
    # Only an integer goes in, after sanitising: nothing from the text is trusted here.
    return Markup(html.replace(RETURN_DAYS_MARK, str(int(return_window_days))))


def get_policy(slug: str, *, return_window_days: int) -> PolicyView:
    """One page as shoppers read it. Raises PolicyNotFound. Read-only."""
    page = db.session.scalar(select(PolicyPage).where(PolicyPage.slug == slug)) if slug in SLUGS else None
    if page is None:
        raise PolicyNotFound()
    summary = page.summary.replace(RETURN_DAYS_MARK, str(int(return_window_days)))  # text: escaped when shown
    return PolicyView(page.slug, page.title, summary, _html_of(page, return_window_days), page.updated_at)


def list_policies() -> list[PolicyPage]:
    return list(db.session.scalars(select(PolicyPage).order_by(PolicyPage.position, PolicyPage.id)))


def policy_for_editing(slug: str) -> PolicyPage:
    page = db.session.scalar(select(PolicyPage).where(PolicyPage.slug == slug)) if slug in SLUGS else None
    if page is None:
        raise PolicyNotFound()
    return page


def save_policy(slug: str, *, title: str, summary: str, body: str, actor: Actor) -> PolicyPage:
    """Replace a page's words, rendering its HTML now, with its audit row. Transactional;
    raises PolicyNotFound."""
    with write_transaction():
        page = policy_for_editing(slug)
        before = {"title": page.title, "summary": page.summary, "body": page.body}
        page.title = _CONTROL.sub("", title).strip()
        page.summary = _CONTROL.sub("", summary).strip()
        page.body = _CONTROL.sub("", body).replace("\r\n", "\n")
        page.updated_by = actor.email
        record_change(actor, "policy.edited", "policy", slug, label=page.title,
                      changes=changed_fields(before, {"title": page.title, "summary": page.summary, "body": page.body}))
    return page


def add_missing_policies(pages: Iterable[PolicyToSeed]) -> int:
    """Add the pages that do not exist yet; never touch one staff may have edited.
    Returns how many were added. Transactional."""
    added = 0
    with write_transaction():
        existing = set(db.session.scalars(select(PolicyPage.slug)))
        for position, page in enumerate(pages, start=1):
            if page.slug in existing:
                continue
            db.session.add(PolicyPage(
                slug=page.slug, title=page.title, summary=page.summary, body=page.body, position=position,
                updated_by="seed",
            ))
            added += 1
    return added


def sitemap_entries() -> list[tuple[str, datetime]]:
    """(slug, last changed) of each page, for the sitemap."""
    return list(db.session.execute(
        select(PolicyPage.slug, PolicyPage.updated_at).order_by(PolicyPage.position, PolicyPage.id)
    ).tuples())
