"""Queue and send email.

`queue_email` joins the caller's transaction and does not commit. `send_pending` is the
worker step: it claims each message before sending, so two workers never send one twice.
Each message is on its own: whatever goes wrong while one is built or sent is recorded as
a failed attempt of that message (with a back-off), and the others still go.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, func, or_, select, update

from shop.database import begin_write, utcnow
from shop.extensions import db
from shop.outbox.models import OutboxEmail
from shop.text import header_value

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# How long a worker's claim on an email lasts before another may try it.
CLAIM_FOR = timedelta(minutes=5)


def queue_email(
    *,
    dedupe_key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxEmail:
    """Add an email to the outbox in the current transaction (idempotent by dedupe_key)."""
    existing = db.session.scalar(select(OutboxEmail).where(OutboxEmail.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    email = OutboxEmail(
        dedupe_key=dedupe_key, to_address=to, subject=subject, text_body=text, html_body=html,
        headers=headers or {}, next_attempt_at=utcnow(),
    )
    db.session.add(email)
    db.session.flush()
    return email


def forget_address(address: str, *, newsletter_keys: tuple[str, ...]) -> int:
    """For a person who asked to be forgotten: emails to them still waiting are deleted, and
    those already sent whose key starts with one of `newsletter_keys` keep no trace of the
    address or what was said. Joins the caller's transaction; returns how many were touched."""
    to_them = OutboxEmail.to_address == address
    waiting = db.session.execute(delete(OutboxEmail).where(to_them, OutboxEmail.sent_at.is_(None))).rowcount
    sent = db.session.execute(
        update(OutboxEmail)
        .where(to_them, OutboxEmail.sent_at.is_not(None), or_(*(OutboxEmail.dedupe_key.startswith(k) for k in newsletter_keys)))
        .values(to_address="erased", subject="(erased)", text_body="", html_body=None, headers={})
        .execution_options(synchronize_session=False)
    ).rowcount
    return waiting + sent


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    ssl: bool

    @classmethod
    def from_url(cls, url: str) -> "SmtpSettings":
        """smtp://user:pass@host:25, smtp+starttls://…:587, smtps://…:465"""
        parts = urlsplit(url)
        ssl = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (465 if ssl else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=parts.scheme == "smtp+starttls",
            ssl=ssl,
        )


def build_message(email: OutboxEmail, sender: str) -> EmailMessage:
    """The email as it goes out. Every header is built from a cleaned, one-line value,
    whoever queued it: a line break in a header would start a header of its own."""
    message = EmailMessage()
    message["From"] = header_value(sender)
    message["To"] = header_value(email.to_address)
    message["Subject"] = header_value(email.subject)
    message["Message-ID"] = make_msgid(idstring=f"outbox{email.id}")
    for name, value in (email.headers or {}).items():
        message[header_value(name)] = header_value(value)
    message.set_content(email.text_body)
    if email.html_body:
        message.add_alternative(email.html_body, subtype="html")
    return message


def send_pending(smtp_url: str, sender: str, limit: int = 50, timeout: float = 10) -> tuple[int, int]:
    """Send due emails. Returns (sent, failed). Failures stay queued with a back-off.

    Each email is first claimed by pushing its next attempt into the future in its own
    committed update; only the worker whose update matched sends it. A crash between
    sending and recording can at worst resend after the claim lapses, never in parallel.
    """
    settings = SmtpSettings.from_url(smtp_url)
    now = utcnow()
    due_ids = db.session.scalars(
        select(OutboxEmail.id)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
        .where(or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now))
        .order_by(OutboxEmail.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    sent = failed = 0
    for email_id in due_ids:
        email = _claim(email_id)
        if email is None:
            continue  # another worker has it
        try:
            _deliver(settings, build_message(email, sender), timeout)
        except Exception as exc:  # noqa: BLE001  (any failure is this message's alone; the rest still go)
            log.warning("outbox: email %s not sent: %s", email_id, exc.__class__.__name__)
            _record_failure(email_id, f"{exc.__class__.__name__}: {exc}"[:2000])
            failed += 1
        else:
            begin_write()
            db.session.execute(update(OutboxEmail).where(OutboxEmail.id == email_id).values(sent_at=utcnow(), last_error=None))
            db.session.commit()
            sent += 1
    return sent, failed


def _claim(email_id: int) -> OutboxEmail | None:
    """Claim one due email for this worker, in its own committed write transaction. The
    attempt is counted here, before building or sending, so a message that fails in any
    way is backed off and never holds up the others."""
    begin_write()
    claimed = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.sent_at.is_(None))
        .where(or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= utcnow()))
        .values(next_attempt_at=utcnow() + CLAIM_FOR, attempts=OutboxEmail.attempts + 1)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return None
    email = db.session.get(OutboxEmail, email_id)
    db.session.commit()
    return email


def _record_failure(email_id: int, error: str) -> None:
    begin_write()
    email = db.session.get(OutboxEmail, email_id)
    email.last_error = error
    email.next_attempt_at = utcnow() + timedelta(seconds=30 * 2 ** min(email.attempts, 8))
    db.session.commit()


def _deliver(settings: SmtpSettings, message: EmailMessage, timeout: float) -> None:
    smtp_cls = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
    with smtp_cls(settings.host, settings.port, timeout=timeout) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


@dataclass(frozen=True)
class Backlog:
    waiting: int  # queued, not sent, not given up on
    oldest_age_seconds: float  # of the oldest of those; 0 when none wait
    given_up: int  # failed MAX_ATTEMPTS times: a person must look


def backlog(now=None) -> Backlog:
    """What the outbox holds unsent, for metrics and alerts. One query."""
    now = now or utcnow()
    unsent = OutboxEmail.sent_at.is_(None)
    waiting, oldest, given_up = db.session.execute(select(
        select(func.count(OutboxEmail.id)).where(unsent, OutboxEmail.attempts < MAX_ATTEMPTS).scalar_subquery(),
        select(func.min(OutboxEmail.created_at)).where(unsent, OutboxEmail.attempts < MAX_ATTEMPTS).scalar_subquery(),
        select(func.count(OutboxEmail.id)).where(unsent, OutboxEmail.attempts >= MAX_ATTEMPTS).scalar_subquery(),
    )).one()
    if oldest is not None and oldest.tzinfo is None:  # a scalar subquery skips the column's type on SQLite
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return Backlog(waiting or 0, (now - oldest).total_seconds() if oldest else 0.0, given_up or 0)


def send_after_each_request(app) -> None:
    """Development convenience: send queued email once each response has gone out, so a
    developer sees it at once without running the worker. Production runs the worker."""
    from flask import Response

    @app.after_request
    def _schedule_send(response: Response) -> Response:
        def send() -> None:
            with app.app_context():
                try:
                    send_pending(app.config["SMTP_URL"], app.config["MAIL_FROM"], timeout=5)
                except Exception:  # never let a mail problem break a page
                    app.logger.exception("outbox: sending after the request failed")

        response.call_on_close(send)
        return response
