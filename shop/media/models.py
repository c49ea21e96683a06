"""A stored photo: its key (the folder its variants live in) and its size."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.database import UTCDateTime, utcnow
from shop.extensions import db


class StoredImage(db.Model):
    __tablename__ = "stored_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, never reused: a variant's address never changes what it shows, so browsers
    # and proxies may keep it for a year (immutable).
    key: Mapped[str] = mapped_column(String(40), unique=True)
    width: Mapped[int]  # of the photo as uploaded, upright
    height: Mapped[int]
    widths: Mapped[list[int]] = mapped_column(JSON)  # the variants stored, narrowest first
    byte_size: Mapped[int]  # of the upload
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def height_at(self, width: int) -> int:
        return height_at(self.width, self.height, width)


def height_at(width: int, height: int, at_width: int) -> int:
    """The height of a photo of width x height drawn at_width wide (its proportions kept)."""
    return max(1, round(height * at_width / width))
