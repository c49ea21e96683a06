"""Survivors' stories, with the consent and disclosure records the FTC's endorsement
guides expect us to keep."""
from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.caching import PublicContent
from shop.catalog.models import Product
from shop.database import UTCDateTime, enum_column, utcnow
from shop.extensions import db
from shop.media.models import StoredImage
from shop.media.pictures import Picture, picture_of, static_picture
from shop.testimonials.video import VideoEmbed, video_embed


class StorySource(str, enum.Enum):
    STAFF = "staff"  # written or edited by us with the survivor's consent
    VISITOR = "visitor"  # sent through "Share your story"; unpublished until reviewed


class Testimonial(PublicContent, db.Model):
    __tablename__ = "testimonials"
    __table_args__ = (Index("ix_testimonials_published_position", "published", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))  # only as consented, e.g. a first name
    headline: Mapped[str] = mapped_column(String(200))
    quote: Mapped[str] = mapped_column(String(400), default="")
    # Plain text, never Markdown or HTML: visitors write it, and it is escaped on output.
    story: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(String(200), default="")  # "Ischaemic stroke, left side weakness"
    time_since_stroke: Mapped[str] = mapped_column(String(80), default="")  # "Five years"
    photo_path: Mapped[str | None] = mapped_column(String(300))  # a picture shipped under static/
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id", ondelete="SET NULL"), index=True)
    photo_alt: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str | None] = mapped_column(String(500))  # only allow-listed hosts are ever embedded
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    published: Mapped[bool] = mapped_column(default=False)
    featured: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # Consent: when it was given and what for ("website and newsletter, first name and photo").
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_scope: Mapped[str] = mapped_column(String(300), default="")
    # How it was given: "signed form, kept in the shared drive", "by email on 3 May".
    consent_method: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Disclosure: anything given in return (a free product, a discount). Empty means nothing.
    disclosure: Mapped[str] = mapped_column(String(300), default="")
    # A composite written by us to show the kind of story we publish, not one real person.
    illustrative: Mapped[bool] = mapped_column(default=False)
    source: Mapped[StorySource] = mapped_column(
        enum_column(StorySource),
        default=StorySource.STAFF,
    )
    contact_email: Mapped[str | None] = mapped_column(String(320))  # for staff to reply; never shown
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    product: Mapped[Product | None] = relationship()
    photo: Mapped[StoredImage | None] = relationship(lazy="joined")

    STATIC_PHOTO_SIZE = (400, 300)

    @property
    def picture(self) -> Picture | None:
        """The story's photo: one staff uploaded, else one shipped with the shop, else none."""
        if self.photo is not None:
            return picture_of(self.photo)
        if self.photo_path:
            return static_picture(self.photo_path, *self.STATIC_PHOTO_SIZE)
        return None

    @property
    def has_consent_record(self) -> bool:
        """When, what and how: what publishing needs for a real person's story."""
        return bool(self.consent_given_at and self.consent_scope.strip() and self.consent_method.strip())

    @property
    def story_paragraphs(self) -> list[str]:
        return [p.strip() for p in re.split(r"\n\s*\n", self.story or "") if p.strip()]

    @property
    def video(self) -> VideoEmbed | None:
        return video_embed(self.video_url)

    @property
    def disclosure_text(self) -> str:
        return self.disclosure or "Nothing was given in return for this story."

    def __repr__(self) -> str:
        return f"<Testimonial {self.slug}>"
