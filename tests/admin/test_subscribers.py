"""The owner's list of newsletter subscribers: search, consent records, the CSV of the
confirmed, and erasing a person who asks."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from shop.audit.models import AuditEntry
from shop.database import utcnow
from shop.extensions import db
from shop.newsletter.models import Subscriber, SubscriberStatus
from shop.outbox.models import OutboxEmail
from shop.outbox.services import queue_email
from tests.factories import STAFF_EMAIL
from tests.support.html import page_text


def subscriber(email: str, status: SubscriberStatus = SubscriberStatus.CONFIRMED, **fields) -> Subscriber:
    now = utcnow()
    row = Subscriber(email=email, status=status, source=fields.pop("source", "home"), consent_text_version="2026-01",
                     signed_up_at=now - timedelta(days=2),
                     confirmed_at=now - timedelta(days=1) if status is SubscriberStatus.CONFIRMED else None, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def test_search_and_filter_with_each_consent_record(staff_client):
    subscriber("ada@example.com")
    subscriber("bob@example.org", SubscriberStatus.PENDING, source="article:magnesium")
    subscriber("cy_100%@example.com", SubscriberStatus.UNSUBSCRIBED)

    text = page_text(staff_client.get("/admin/subscribers"))
    assert "3 subscribers" in text and "Yes, email me the free stroke recovery ebook" in text
    assert "article:magnesium" in text
    only_org = page_text(staff_client.get("/admin/subscribers?q=EXAMPLE.ORG"))
    assert "bob@example.org" in only_org and "ada@example.com" not in only_org
    # Search words are text, not patterns: % and _ match themselves.
    assert "1 subscriber," in page_text(staff_client.get("/admin/subscribers?q=_100%25"))
    assert "0 subscribers" not in page_text(staff_client.get("/admin/subscribers?q=%25"))
    pending = page_text(staff_client.get("/admin/subscribers?status=pending"))
    assert "bob@example.org" in pending and "ada@example.com" not in pending
    assert staff_client.get("/admin/subscribers?status=everyone").status_code == 404


def test_export_lists_only_the_confirmed_with_formulas_defused(staff_client):
    subscriber("ada@example.com")
    subscriber("=cmd|' /C calc'!A0@example.com")
    subscriber("pending@example.com", SubscriberStatus.PENDING)
    response = staff_client.get("/admin/subscribers.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["email", "confirmed_at", "signed_up_at", "source", "consent_text_version", "consent_text"]
    emails = [row[0] for row in rows[1:]]
    assert emails == ["ada@example.com", "'=cmd|' /C calc'!A0@example.com"]
    assert rows[1][4] == "2026-01" and rows[1][5].startswith("Yes, email me")


def test_erasing_a_person_forgets_them_and_their_waiting_emails(staff_client):
    gone_id, stays_id = subscriber("gone@example.com").id, subscriber("stays@example.com").id
    queue_email(dedupe_key=f"newsletter-confirm:{gone_id}:2026-11-01", to="gone@example.com", subject="Please confirm",
                text="Hello gone@example.com")
    queue_email(dedupe_key=f"newsletter-welcome:{gone_id}:2026-11-02", to="gone@example.com", subject="Your ebook",
                text="Hello again")
    queue_email(dedupe_key="newsletter-welcome:other", to="stays@example.com", subject="Your ebook", text="Hi")
    db.session.execute(sa.update(OutboxEmail).where(OutboxEmail.dedupe_key.like("%:2026-11-02"))
                       .values(sent_at=utcnow()))
    db.session.commit()

    page = staff_client.get(f"/admin/subscribers/{gone_id}/erase")
    assert page.status_code == 200 and "cannot be undone" in page_text(page)
    assert staff_client.post(f"/admin/subscribers/{gone_id}/erase").status_code == 303

    db.session.expire_all()
    assert db.session.get(Subscriber, gone_id) is None and db.session.get(Subscriber, stays_id) is not None
    addresses = db.session.scalars(sa.select(OutboxEmail.to_address).order_by(OutboxEmail.id)).all()
    assert addresses == ["erased", "stays@example.com"]
    erased = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to_address == "erased"))
    assert "gone@example.com" not in erased.text_body + erased.subject
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "subscriber"))
    assert (audit.action, audit.object_id, audit.actor_email) == ("erase", str(gone_id), STAFF_EMAIL)
    assert "gone@example.com" not in str(audit.changes) + audit.object_label
    assert staff_client.post(f"/admin/subscribers/{gone_id}/erase").status_code == 404


def test_erasing_needs_the_button_and_its_token(staff_client):
    row_id = subscriber("keep@example.com").id
    assert staff_client.post(f"/admin/subscribers/{row_id}/erase", csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(Subscriber, row_id) is not None
