"""The ebook and newsletter signup: double opt-in, confirmation and one-click unsubscribe.

Links in emails carry signed tokens (itsdangerous), so no token table is needed:
- a confirmation token expires after CONFIRM_MAX_AGE and names the subscriber and address;
- an unsubscribe token never expires: an old email must always be able to unsubscribe.

Every use case is idempotent: signing up, confirming or unsubscribing twice changes nothing
the second time and shows the same page.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import render_template
from flask_sqlalchemy.pagination import Pagination
from itsdangerous import BadData, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.audit.services import Actor, record_change
from shop.database import write_transaction
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.newsletter.models import Subscriber, SubscriberStatus
from shop.outbox.services import forget_address, queue_email

# The words next to the checkbox, by version. A new wording gets a new key; old keys stay,
# so we can always show what someone agreed to.
CONSENT_TEXTS = {
    "2026-01": "Yes, email me the free stroke recovery ebook and a monthly newsletter with new articles. "
    "I can unsubscribe at any time with one click.",
}
CURRENT_CONSENT_VERSION = "2026-01"
log = logging.getLogger(__name__)
CONFIRM_MAX_AGE = timedelta(days=7)
EBOOK_PATH = "ebook/stroke-recovery-at-home.pdf"  # under static/

_CONFIRM_SALT = "newsletter-confirm"
_UNSUBSCRIBE_SALT = "newsletter-unsubscribe"


class NewsletterLinkError(ShopError):
    """A link from one of our emails that we cannot act on. Each kind says why in its own words."""

    title = "We can't use this link"
    reason = ""

    def __init__(self, token: str):
        super().__init__(self.reason)
        self.token = token


class ForgedLink(NewsletterLinkError):
    """The token was not signed by us, or names an address we do not have."""

    reason = "It may have been copied only in part. Please open the link from the email again, or sign up below."


class ExpiredLink(NewsletterLinkError):
    title = "This link has expired"
    reason = "Confirmation links work for seven days. Please sign up again below and we will send you a new one."


class StaleLink(NewsletterLinkError):
    """A confirmation link sent before the reader unsubscribed: it must not sign them up again."""

    title = "This link is no longer active"
    reason = "You unsubscribed after we sent it, so we have not signed you up again. To get the emails, sign up below."


@dataclass(frozen=True)
class MailSettings:
    secret_key: str
    base_url: str
    shop_name: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def confirmation_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_CONFIRM_SALT)


def unsubscribe_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_UNSUBSCRIBE_SALT)


def confirmation_token(subscriber: Subscriber, secret_key: str) -> str:
    return confirmation_serializer(secret_key).dumps({"s": subscriber.id, "e": subscriber.email})


def unsubscribe_token(subscriber: Subscriber, secret_key: str) -> str:
    return unsubscribe_serializer(secret_key).dumps({"s": subscriber.id, "e": subscriber.email})


def request_signup(email: str, source: str, settings: MailSettings, now: datetime) -> None:
    """Record a pending signup and queue the confirmation email. One transaction.

    Idempotent: a second signup for a pending address re-sends the confirmation at most
    once a day; for a confirmed address it does nothing (and says nothing different, so the
    form does not reveal who subscribes).
    """
    address = normalise_email(email)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
    if subscriber is None:
        subscriber = Subscriber(email=address, source=source[:200], consent_text_version=CURRENT_CONSENT_VERSION, signed_up_at=now)
        db.session.add(subscriber)
        try:
            db.session.flush()
        except IntegrityError:
            # Two signups for one address at once: the other request created the row.
            db.session.rollback()
            subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
            if subscriber is None:
                raise
    if subscriber.status is SubscriberStatus.CONFIRMED:
        db.session.commit()
        return
    if subscriber.status is SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.PENDING
        subscriber.signed_up_at = now
    subscriber.consent_text_version = CURRENT_CONSENT_VERSION
    _queue_newsletter_email("confirm", "Please confirm: your free stroke recovery ebook", subscriber, settings, now)
    db.session.commit()


def _links(subscriber: Subscriber, settings: MailSettings) -> dict[str, str]:
    return {
        "confirm_url": f"{settings.base_url}/newsletter/confirm/{confirmation_token(subscriber, settings.secret_key)}",
        "unsubscribe_url": f"{settings.base_url}/newsletter/unsubscribe/{unsubscribe_token(subscriber, settings.secret_key)}",
        "ebook_url": f"{settings.base_url}/static/{EBOOK_PATH}",
    }


def _unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    # RFC 8058 one-click: mail apps POST "List-Unsubscribe=One-Click" to the URL.
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _queue_newsletter_email(kind: str, subject: str, subscriber: Subscriber, settings: MailSettings,
                            now: datetime) -> None:
    """The confirmation or welcome email, with its links and one-click unsubscribe. At most
    one of each kind a day per address: a stranger cannot use our form to flood an inbox."""
    links = _links(subscriber, settings)
    queue_email(
        dedupe_key=f"newsletter-{kind}:{subscriber.id}:{now.astimezone(timezone.utc):%Y-%m-%d}",
        to=subscriber.email,
        subject=f"{subject} from {settings.shop_name}",
        text=render_template(f"newsletter/email/{kind}.txt", shop_name=settings.shop_name, **links),
        headers=_unsubscribe_headers(links["unsubscribe_url"]),
    )


def _load(token: str, serializer: URLSafeSerializer | URLSafeTimedSerializer, max_age: timedelta | None) -> tuple[Subscriber | None, datetime | None]:
    try:
        if isinstance(serializer, URLSafeTimedSerializer):
            payload, issued_at = serializer.loads(token, max_age=int(max_age.total_seconds()), return_timestamp=True)
        else:
            payload, issued_at = serializer.loads(token), None
    except SignatureExpired as exc:
        raise ExpiredLink(token) from exc
    except BadData as exc:
        raise ForgedLink(token) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int) or not isinstance(payload.get("e"), str):
        raise ForgedLink(token)
    subscriber = db.session.get(Subscriber, payload["s"])
    if subscriber is not None and subscriber.email != payload["e"]:
        raise ForgedLink(token)
    return subscriber, issued_at


def subscriber_for_confirmation(token: str, secret_key: str) -> Subscriber:
    """The subscriber a confirmation link is for, without changing anything (for GET)."""
    subscriber, issued_at = _load(token, confirmation_serializer(secret_key), CONFIRM_MAX_AGE)
    if subscriber is None:
        raise ForgedLink(token)
    if (
        subscriber.status is not SubscriberStatus.CONFIRMED
        and subscriber.unsubscribed_at is not None
        and issued_at is not None
        and issued_at < subscriber.unsubscribed_at.replace(microsecond=0)
    ):
        raise StaleLink(token)
    return subscriber


def confirm_subscription(token: str, settings: MailSettings, now: datetime) -> Subscriber:
    """Confirm a signup: record when, and which consent wording. Idempotent. One transaction.

    The first confirmation also queues a welcome email with the ebook link.
    """
    subscriber = subscriber_for_confirmation(token, settings.secret_key)
    if subscriber.confirm(subscriber.consent_text_version or CURRENT_CONSENT_VERSION, now):
        _queue_newsletter_email("welcome", "Your free stroke recovery ebook", subscriber, settings, now)
    db.session.commit()
    return subscriber


def subscriber_for_unsubscribe(token: str, secret_key: str) -> Subscriber | None:
    """None when the subscriber is gone: there is nothing left to unsubscribe."""
    subscriber, _ = _load(token, unsubscribe_serializer(secret_key), None)
    return subscriber


def unsubscribe(token: str, secret_key: str, now: datetime) -> None:
    """Stop all newsletter email to this address. Idempotent. One transaction."""
    subscriber = subscriber_for_unsubscribe(token, secret_key)
    if subscriber is not None:
        subscriber.unsubscribe(now)
    db.session.commit()


# ---------------------------------------------------------------- for the owner

SUBSCRIBERS_PER_PAGE = 50


def list_subscribers(page: int, *, search: str = "", status: SubscriberStatus | None = None) -> Pagination:
    """Newest signups first; `search` matches anywhere in the address, case-insensitively."""
    query = select(Subscriber).order_by(Subscriber.signed_up_at.desc(), Subscriber.id.desc())
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Subscriber.email.like(f"%{escaped}%", escape="\\"))
    if status is not None:
        query = query.where(Subscriber.status == status)
    return db.paginate(query, page=page, per_page=SUBSCRIBERS_PER_PAGE, error_out=False)


def consent_wording(version: str) -> str:
    return CONSENT_TEXTS.get(version, "No record of the wording")


EXPORT_COLUMNS = ("email", "confirmed_at", "signed_up_at", "source", "consent_text_version", "consent_text")


def confirmed_subscriber_rows() -> Iterator[tuple]:
    """Every confirmed subscriber with the consent they gave, oldest confirmation first, in batches."""
    rows = db.session.scalars(
        select(Subscriber).where(Subscriber.status == SubscriberStatus.CONFIRMED)
        .order_by(Subscriber.confirmed_at, Subscriber.id).execution_options(yield_per=500)
    )
    for subscriber in rows:
        yield (subscriber.email, subscriber.confirmed_at.isoformat(timespec="seconds") if subscriber.confirmed_at else "",
               subscriber.signed_up_at.isoformat(timespec="seconds"), subscriber.source,
               subscriber.consent_text_version, consent_wording(subscriber.consent_text_version))


class SubscriberNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("That subscriber is not on the list (they may have been erased already).")


def erase_subscriber(subscriber_id: int, *, actor: Actor) -> None:
    """Forget a person on request: their subscriber row goes, with every email to them still
    waiting in the outbox, and the address is wiped from newsletter emails already sent. The
    audit log keeps that it happened, and by whom, but not the address. One transaction.
    Orders they placed keep their address: sales records must be kept."""
    with write_transaction():
        subscriber = db.session.get(Subscriber, subscriber_id, with_for_update=True)
        if subscriber is None:
            raise SubscriberNotFound()
        emails = forget_address(subscriber.email, newsletter_keys=("newsletter-confirm:", "newsletter-welcome:"))
        record_change(actor, "erase", "subscriber", subscriber_id, label="(address erased on request)",
                      changes={"status": (subscriber.status, None), "emails forgotten": (None, emails)})
        db.session.delete(subscriber)
    log.info("subscriber %s erased by %s", subscriber_id, actor.email)
