from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.caching import PublicContent
from shop.database import UTCDateTime, utcnow
from shop.extensions import db
from shop.markup import StoredMarkdown


class PolicyPage(PublicContent, StoredMarkdown, db.Model):
    """One policy page. `body` is the Markdown staff wrote; `body_html` is what it rendered
    to (sanitised) when it was saved (shop.markup.StoredMarkdown)."""

    __tablename__ = "policy_pages"
    __markdown__ = {"body": "body_html"}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")  # also the meta description
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(320))  # "seed" or a staff member's email
