"""Reading the outbox as a shopper reads their email: which emails, and the links in them."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from shop.extensions import db
from shop.outbox.models import OutboxEmail
from tests.support.db import fresh

_URL = re.compile(r"https?://[^\s<>\"')]+")


def queued(*, to: str | None = None, subject: str = "") -> list[OutboxEmail]:
    """Emails in the outbox, oldest first: to one address, with words in the subject."""
    fresh()
    query = sa.select(OutboxEmail).order_by(OutboxEmail.id)
    if to is not None:
        query = query.where(OutboxEmail.to_address == to)
    return [email for email in db.session.scalars(query) if subject in email.subject]


def links(email: OutboxEmail, *, containing: str = "") -> list[str]:
    """The addresses in an email's plain-text body, in order (the HTML body has the same)."""
    found = [url for url in _URL.findall(email.text_body) if containing in url]
    html = email.html_body or ""
    assert all(url.replace("&", "&amp;") in html or url in html for url in found), "the HTML part lacks a link"
    return found


def local(url: str) -> str:
    """A link from an email as a path (with its query) for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
