"""Newsletter subscribers, with double opt-in and a record of what they agreed to."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shop.database import UTCDateTime, enum_column, utcnow
from shop.extensions import db


class SubscriberStatus(str, enum.Enum):
    PENDING = "pending"  # signed up, has not clicked the confirmation link yet
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class Subscriber(db.Model):
    __tablename__ = "newsletter_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    status: Mapped[SubscriberStatus] = mapped_column(
        enum_column(SubscriberStatus),
        default=SubscriberStatus.PENDING,
    )
    source: Mapped[str] = mapped_column(String(200), default="")  # where they signed up: "home", "article:…"
    # The consent wording they ticked, by version (see shop/newsletter/services.py CONSENT_TEXTS).
    consent_text_version: Mapped[str] = mapped_column(String(20), default="")
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when consent was confirmed
    # Kept when someone signs up again, so a confirmation link sent before they left stays dead.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def confirm(self, consent_text_version: str, now: datetime) -> bool:
        """Confirm a pending signup. Returns False (and changes nothing) if already confirmed."""
        if self.status is SubscriberStatus.CONFIRMED:
            return False
        self.status = SubscriberStatus.CONFIRMED
        self.consent_text_version = consent_text_version
        self.confirmed_at = now
        self.unsubscribed_at = None
        return True

    def unsubscribe(self, now: datetime) -> bool:
        if self.status is SubscriberStatus.UNSUBSCRIBED:
            return False
        self.status = SubscriberStatus.UNSUBSCRIBED
        self.unsubscribed_at = now
        return True
