"""One bad message never stops the outbox: an email whose headers were typed by a
visitor goes out with clean one-line headers, and an email that cannot be built is a
failed attempt with a back-off while every other email still goes."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.database import utcnow
from shop.extensions import db
from shop.outbox.models import OutboxEmail
from shop.outbox.services import queue_email, send_pending
from shop.testimonials.models import Testimonial as Story
from tests.support.db import fresh

SENDER = "Steady Hand Rehab <hello@example.com>"
STORY = "I practised every day and my grip slowly came back over the months."


def _story(name: str) -> dict[str, str]:
    return {"name": name, "email": "bob@example.com", "product": "", "time_since_stroke": "Two\nyears",
            "story": STORY, "consent": "y"}


def test_a_story_name_with_a_line_break_does_not_stop_the_outbox(app, client, smtp_server):
    # Found by probing: this name went into the staff email's subject, building the message
    # raised, and `flask outbox send` crashed on it every run, holding back every email.
    smtp_url, mailbox = smtp_server
    response = client.post("/testimonials/submit", data=_story("Bob\nBcc: x@example.org"))
    assert response.status_code == 303
    queue_email(dedupe_key="order-confirmation:SH-AFTER234", to="ann@example.com", subject="Your order", text="Hi")
    db.session.commit()

    assert send_pending(smtp_url, SENDER) == (2, 0)

    messages = mailbox.wait_for(2)
    story_email = next(m for m in messages if "story" in m["Subject"])
    assert story_email["Subject"] == "A new story to review: Bob Bcc: x@example.org"
    assert story_email["Bcc"] is None and len(messages) == 2
    fresh()
    saved = db.session.scalar(sa.select(Story))
    assert saved.display_name == "Bob Bcc: x@example.org" and saved.time_since_stroke == "Two years"


@pytest.mark.parametrize("name", ["Bob\u2028Bcc: x@example.org", "Bob\u2029Bcc: x@example.org", "Bob\r\nBcc: x@example.org",
                                  "Bob\tBcc: x@example.org"])
def test_single_line_fields_turn_every_kind_of_line_break_into_a_space(app, client, name):
    assert client.post("/testimonials/submit", data=_story(name)).status_code == 303
    fresh()
    assert db.session.scalar(sa.select(Story.display_name)) == "Bob Bcc: x@example.org"


def test_headers_are_built_from_clean_values_whoever_queued_them(app, smtp_server):
    smtp_url, mailbox = smtp_server
    queue_email(dedupe_key="test:dirty", to="ann@example.com\n", subject="Hello\u2028Bcc: x@example.org\x07",
                text="Body\nstays\nmulti-line", headers={"Reply-To": "care@example.com\r\nBcc: y@example.org"})
    db.session.commit()

    assert send_pending(smtp_url, SENDER) == (1, 0)

    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Hello Bcc: x@example.org" and message["Bcc"] is None
    assert message["To"] == "ann@example.com" and str(message["Reply-To"]).startswith("care@example.com")
    assert not any(line.lower().startswith("bcc") for line in message.as_string().splitlines())
    assert message.get_content().splitlines() == ["Body", "stays", "multi-line"]


def test_an_email_that_cannot_be_built_is_a_failed_attempt_and_the_others_still_go(app, smtp_server):
    smtp_url, mailbox = smtp_server
    # A header value that is not text: building this message raises (TypeError).
    queue_email(dedupe_key="test:broken", to="ann@example.com", subject="Broken", text="x", headers={"X-Count": 5})
    queue_email(dedupe_key="test:fine", to="bea@example.com", subject="Fine", text="y")
    db.session.commit()

    assert send_pending(smtp_url, SENDER) == (1, 1)

    assert [m["Subject"] for m in mailbox.wait_for(1)] == ["Fine"]
    fresh()
    broken = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.dedupe_key == "test:broken"))
    assert broken.sent_at is None and broken.attempts == 1 and "TypeError" in broken.last_error
    assert broken.next_attempt_at > utcnow()  # backed off, not retried in a tight loop
    assert send_pending(smtp_url, SENDER) == (0, 0)
