"""The outbox: an order's email is queued with the order and sent by a worker over real
SMTP; a failure stays queued and is retried later, and nothing is ever sent twice."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.database import utcnow
from shop.extensions import db
from shop.outbox import services as outbox_services
from shop.outbox.models import OutboxEmail
from shop.outbox.services import queue_email, send_pending
from tests.factories import make_product
from tests.support.db import fresh, outbox_count
from tests.support.live import closed_port_url
from tests.support.shopper import checkout

SENDER = "Steady Hand Rehab <hello@example.com>"


def closed_smtp_url() -> str:
    return closed_port_url().replace("http://", "smtp://")


@pytest.fixture
def confirmation(app, client, standin):
    """The confirmation email of an order paid through the success page."""
    order = checkout(client, make_product(name="SteadyHand Trainer", price_cents=2990, stock=5), 1)
    standin.pay(order.stripe_session_id)
    assert client.get(f"/checkout/success?session_id={order.stripe_session_id}").status_code == 200
    fresh()
    email = db.session.scalar(sa.select(OutboxEmail))
    assert email is not None and email.sent_at is None and order.number in email.subject
    return email


def _make_due(email_id: int) -> None:
    """Move time on: the back-off has passed (rather than sleeping through it)."""
    db.session.execute(sa.update(OutboxEmail).where(OutboxEmail.id == email_id)
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_failed_send_stays_queued_and_is_retried_later(app, confirmation, smtp_server):
    smtp_url, mailbox = smtp_server

    assert send_pending(closed_smtp_url(), SENDER, timeout=2) == (0, 1)

    fresh()
    email = db.session.get(OutboxEmail, confirmation.id)
    assert email.sent_at is None and email.attempts == 1
    assert email.last_error and "Connection" in email.last_error
    assert email.next_attempt_at > utcnow() + timedelta(seconds=30)  # backed off
    # Not due yet: even a working server gets nothing before the back-off ends.
    assert send_pending(smtp_url, SENDER) == (0, 0)
    assert mailbox.messages == []

    _make_due(email.id)
    assert send_pending(smtp_url, SENDER) == (1, 0)

    [message] = mailbox.wait_for(1)
    assert message["Subject"] == confirmation.subject and message["To"] == confirmation.to_address
    fresh()
    email = db.session.get(OutboxEmail, confirmation.id)
    assert email.sent_at is not None and email.last_error is None and email.attempts == 2


def test_a_sent_email_is_never_sent_again(app, confirmation, smtp_server):
    smtp_url, mailbox = smtp_server

    assert send_pending(smtp_url, SENDER) == (1, 0)
    assert send_pending(smtp_url, SENDER) == (0, 0)
    _make_due(confirmation.id)  # even when its next attempt time says "due"
    assert send_pending(smtp_url, SENDER) == (0, 0)

    assert len(mailbox.wait_for(1)) == 1
    mailbox.wait_for(2, timeout=0.2)
    assert len(mailbox.messages) == 1


def test_the_outbox_command_sends_what_is_due(app, runner, confirmation, smtp_server):
    smtp_url, mailbox = smtp_server
    app.config["SMTP_URL"] = smtp_url
    db.session.commit()

    first = runner.invoke(args=["outbox", "send"])
    second = runner.invoke(args=["outbox", "send"])

    assert (first.output.strip(), second.output.strip()) == ("outbox: 1 sent, 0 failed", "outbox: 0 sent, 0 failed")
    assert len(mailbox.wait_for(1)) == 1


def test_queueing_the_same_email_twice_keeps_one(app):
    for _ in range(2):
        queue_email(dedupe_key="order-confirmation:SH-TWICE234", to="ann@example.com", subject="Hi", text="Hello")
        db.session.commit()

    assert outbox_count() == 1


def test_two_workers_at_once_send_each_email_once(app, smtp_server, monkeypatch):
    # Regression: at commit a70c889, on SQLite, worker A's write of sent_at after B committed
    # failed at once with "database is locked" (a read transaction cannot be upgraded over a
    # newer commit), so an email already handed to SMTP stayed unsent and went out again later.
    smtp_url, mailbox = smtp_server
    for n in range(6):
        queue_email(dedupe_key=f"test:{n}", to=f"buyer{n}@example.com", subject=f"Message {n}", text="Hello")
    db.session.commit()
    # Force the overlap: worker A is mid-delivery of its first email while worker B runs
    # through the rest of the outbox and commits; then A records its send.
    a_delivering, b_done = threading.Event(), threading.Event()
    real_deliver = outbox_services._deliver

    def deliver(settings, message, timeout):
        if threading.current_thread().name == "worker-a" and not a_delivering.is_set():
            a_delivering.set()
            assert b_done.wait(10)
        real_deliver(settings, message, timeout)

    monkeypatch.setattr(outbox_services, "_deliver", deliver)
    results: dict[str, tuple[int, int]] = {}
    errors: list[Exception] = []

    def worker(name: str, wait_for: threading.Event | None) -> None:
        with app.app_context():
            if wait_for is not None:
                assert wait_for.wait(10)
            try:
                results[name] = send_pending(smtp_url, SENDER)
            except Exception as exc:  # noqa: BLE001  (reported below, not lost in the thread)
                errors.append(exc)
            finally:
                if name == "worker-b":
                    b_done.set()

    threads = [threading.Thread(target=worker, name="worker-a", args=("worker-a", None)),
               threading.Thread(target=worker, name="worker-b", args=("worker-b", a_delivering))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert results == {"worker-a": (1, 0), "worker-b": (5, 0)}
    subjects = sorted(m["Subject"] for m in mailbox.wait_for(6))
    assert subjects == [f"Message {n}" for n in range(6)]
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail).where(OutboxEmail.sent_at.is_(None))) == 0
