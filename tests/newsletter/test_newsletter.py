"""The ebook signup: double opt-in, confirmation, one-click unsubscribe, and the PDF."""
import io
import re
import time
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner
from pypdf import PdfReader
from sqlalchemy import func, select

from shop.extensions import db
from shop.newsletter import services
from shop.newsletter.ebook import build_pdf
from shop.newsletter.models import Subscriber, SubscriberStatus
from shop.outbox.models import OutboxEmail
from tests.support.html import page_text

ROOT = Path(__file__).resolve().parents[2]


def _sign_up(client, email="Reader@Example.com", **extra):
    data = {"email": email, "consent": "y", "source": "home", **extra}
    return client.post("/newsletter", data=data)


def _emails():
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def _link(email: OutboxEmail, kind: str) -> str:
    return re.search(rf"http://shop\.test(/newsletter/{kind}/\S+)", email.text_body).group(1)


def _subscriber():
    return db.session.scalar(select(Subscriber))


def test_signup_creates_a_pending_subscriber_and_a_confirmation_email(app, client):
    response = _sign_up(client)
    assert response.status_code == 303 and response.headers["Location"].endswith("/newsletter/check-your-email")
    subscriber = _subscriber()
    assert subscriber.email == "reader@example.com" and subscriber.status is SubscriberStatus.PENDING
    assert subscriber.source == "home" and subscriber.consent_text_version == services.CURRENT_CONSENT_VERSION
    [email] = _emails()
    assert email.to_address == "reader@example.com" and "/newsletter/confirm/" in email.text_body
    unsubscribe_url = "http://shop.test" + _link(email, "unsubscribe")
    assert email.headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Please check your email" in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "reader@example.com"}, "Please tick the box"),  # the box starts unticked
        ({"email": "nope", "consent": "y"}, "does not look like an email"),
        ({"email": "", "consent": "y"}, "Please type your email"),
    ],
)
def test_signup_refuses_without_consent_or_a_valid_email(app, client, data, message):
    response = client.post("/newsletter", data=data)
    assert response.status_code == 400 and message in page_text(response)
    assert _subscriber() is None and _emails() == []


def test_signup_form_on_home_and_articles_starts_unticked(seeded, client):
    for path in ("/", "/articles/what-is-neuroplasticity"):
        html = client.get(path).get_data(as_text=True)
        checkbox = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
        assert "checked" not in checkbox and "never sell your email address" in html


def test_signing_up_twice_is_harmless(app, client):
    _sign_up(client)
    _sign_up(client, email="  READER@example.com ")
    assert db.session.scalar(select(func.count(Subscriber.id))) == 1
    assert len(_emails()) == 1  # at most one confirmation a day


def test_honeypot_and_posts_from_another_site(app, client):
    assert _sign_up(client, website="http://spam.example").status_code == 303
    cross_site = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert client.post("/newsletter", data={"email": "a@b.co", "consent": "y"}, headers=cross_site).status_code == 403
    assert _subscriber() is None


def test_confirming_records_consent_and_shows_the_ebook(app, client):
    _sign_up(client)
    confirm_path = _link(_emails()[0], "confirm")
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Yes, send me the ebook" in page_text(page)
    assert _subscriber().status is SubscriberStatus.PENDING  # opening the link changes nothing
    response = client.post(confirm_path)
    assert response.status_code == 303
    subscriber = _subscriber()
    assert subscriber.status is SubscriberStatus.CONFIRMED and subscriber.confirmed_at is not None
    assert subscriber.consent_text_version == services.CURRENT_CONSENT_VERSION
    done = client.get(response.headers["Location"])
    link = re.search(r'href="(/static/ebook/stroke-recovery-at-home\.[0-9a-f]{12}\.pdf)"', done.get_data(as_text=True))
    assert link  # a fingerprinted name (shop/assets.py)
    with client.get(link.group(1)) as pdf:
        assert pdf.data[:5] == b"%PDF-"
    welcome = _emails()[-1]
    assert "stroke-recovery-at-home.pdf" in welcome.text_body and "List-Unsubscribe" in welcome.headers
    # Confirming again, or signing up again, changes nothing and sends nothing.
    first_confirmed_at = subscriber.confirmed_at
    assert client.post(confirm_path).status_code == 303
    _sign_up(client)
    db.session.refresh(subscriber)
    assert subscriber.confirmed_at == first_confirmed_at and len(_emails()) == 2


def test_expired_confirmation_link(app, client, monkeypatch):
    _sign_up(client)
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
        token = services.confirmation_serializer(app.secret_key).dumps({"s": _subscriber().id, "e": "reader@example.com"})
    for response in (client.get(f"/newsletter/confirm/{token}"), client.post(f"/newsletter/confirm/{token}")):
        assert response.status_code == 400 and "This link has expired" in page_text(response)
    assert _subscriber().status is SubscriberStatus.PENDING


@pytest.mark.parametrize(
    "make_token",
    [
        lambda app, sid: "not-a-token",
        lambda app, sid: services.confirmation_serializer("another-secret").dumps({"s": sid, "e": "reader@example.com"}),
        lambda app, sid: services.confirmation_serializer(app.secret_key).dumps({"s": sid, "e": "someone@else.com"}),
        lambda app, sid: services.confirmation_serializer(app.secret_key).dumps(["not", "a", "dict"]),
        lambda app, sid: services.confirmation_serializer(app.secret_key).dumps({"s": 999999, "e": "reader@example.com"}),
        lambda app, sid: services.unsubscribe_serializer(app.secret_key).dumps({"s": sid, "e": "reader@example.com"}),
    ],
)
def test_forged_confirmation_links_are_refused(app, client, make_token):
    _sign_up(client)
    token = make_token(app, _subscriber().id)
    response = client.post(f"/newsletter/confirm/{token}")
    assert response.status_code == 400 and "We can't use this link" in page_text(response)
    assert _subscriber().status is SubscriberStatus.PENDING


def test_unsubscribe_in_the_browser_and_twice(app, client):
    _sign_up(client)
    path = _link(_emails()[0], "unsubscribe")
    page = client.get(path)
    assert "Unsubscribe me" in page_text(page) and _subscriber().status is SubscriberStatus.PENDING
    for _ in range(2):
        response = client.post(path)
        assert response.status_code == 200 and "You're unsubscribed" in page_text(response)
    assert _subscriber().status is SubscriberStatus.UNSUBSCRIBED and _subscriber().unsubscribed_at is not None
    assert "You're unsubscribed" in page_text(client.get(path))


def test_one_click_unsubscribe_from_a_mail_app(app, client):
    _sign_up(client)
    path = _link(_emails()[0], "unsubscribe")
    # RFC 8058: the mail app posts this body, with no cookie and no CSRF token.
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _subscriber().status is SubscriberStatus.UNSUBSCRIBED


def test_forged_unsubscribe_link_is_refused(app, client):
    _sign_up(client)
    token = services.unsubscribe_serializer("another-secret").dumps({"s": _subscriber().id, "e": "reader@example.com"})
    response = client.post(f"/newsletter/unsubscribe/{token}")
    assert response.status_code == 400
    assert _subscriber().status is SubscriberStatus.PENDING


def test_an_old_confirmation_link_cannot_resubscribe_after_unsubscribing(app, client, monkeypatch):
    _sign_up(client)
    a_minute_ago = int(time.time()) - 60  # token timestamps have one-second resolution
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: a_minute_ago)
        old_confirm = "/newsletter/confirm/" + services.confirmation_token(_subscriber(), app.secret_key)
    client.post(_link(_emails()[0], "unsubscribe"))
    response = client.post(old_confirm)
    assert response.status_code == 400 and "no longer active" in page_text(response)
    assert _subscriber().status is SubscriberStatus.UNSUBSCRIBED
    # Signing up again is a fresh, explicit request: it works.
    subscriber = _subscriber()
    db.session.execute(db.delete(OutboxEmail))  # let today's confirmation be queued again
    db.session.commit()
    _sign_up(client)
    assert client.post(_link(_emails()[-1], "confirm")).status_code == 303
    db.session.refresh(subscriber)
    assert subscriber.status is SubscriberStatus.CONFIRMED


def test_signup_is_rate_limited(app, client):
    statuses = [_sign_up(client, email=f"r{i}@example.com").status_code for i in range(6)]
    assert statuses == [303] * 5 + [429]


def test_shipped_ebook_is_the_pdf_its_text_makes():
    shipped = (ROOT / "static" / "ebook" / "stroke-recovery-at-home.pdf").read_bytes()
    assert shipped == build_pdf(), "run: flask --app wsgi newsletter build-ebook"
    reader = PdfReader(io.BytesIO(shipped))
    assert reader.metadata.title == "Practice at Home After a Stroke"
    text = " ".join(page.extract_text() for page in reader.pages)
    source = (ROOT / "shop" / "newsletter" / "ebook.md").read_text()
    for heading in re.findall(r"^## (.+)$", source, flags=re.MULTILINE):
        assert heading in text
    assert "not medical advice" in text and f"Page 1 of {len(reader.pages)}" in text


def test_ebook_text_is_content_not_code(tmp_path):
    pdf = build_pdf("# A title\n\nA subtitle\n\n## A chapter\n\nA paragraph of text.\n")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "A chapter" in text and "A paragraph of text." in text and "Practice at Home" not in text
