"""The queue of stories shoppers sent: read with their consent record, publish, reject."""
from __future__ import annotations

import sqlalchemy as sa

from shop.extensions import db
from shop.testimonials.models import StorySource
from shop.testimonials.models import Testimonial as Story  # "Test…" names would be collected by pytest
from tests.factories import make_submitted_story
from tests.support.html import page_text


def _story(story_id: int) -> Story | None:
    db.session.expire_all()
    return db.session.get(Story, story_id)


def test_queue_shows_unpublished_submitted_stories_with_their_consent(staff_client):
    waiting = make_submitted_story("Maria", story="First paragraph <b>bold</b>.\n\nSecond paragraph.")
    make_submitted_story("Published Pat", published=True)
    make_submitted_story("Staff Sam", source=StorySource.STAFF)
    response = staff_client.get("/admin/stories")
    assert response.status_code == 200
    text, html = page_text(response), response.get_data(as_text=True)
    assert "Maria's story" in text and "Published Pat" not in text and "Staff Sam" not in text
    assert waiting.contact_email in text
    assert "publish on the website with the given name, after staff review" in text
    assert "Nothing was given in return for this story." in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
    assert "Second paragraph." in text


def test_empty_queue_says_so(staff_client):
    assert "No stories are waiting" in page_text(staff_client.get("/admin/stories"))


def test_publish_puts_the_story_on_the_site(staff_client):
    story = make_submitted_story("Maria")
    assert staff_client.get(f"/testimonials/{story.slug}").status_code == 404
    response = staff_client.post(f"/admin/stories/{story.id}/publish")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/stories"
    assert "Maria's story is published" in page_text(staff_client.get("/admin/stories"))
    assert _story(story.id).published is True
    assert staff_client.get(f"/testimonials/{story.slug}").status_code == 200
    assert staff_client.post(f"/admin/stories/{story.id}/publish").status_code == 303  # a second press: no harm


def test_reject_deletes_the_story_and_the_email_address(staff_client):
    story = make_submitted_story("Maria")
    story_id, email, keep_id = story.id, story.contact_email, make_submitted_story("Jo").id
    response = staff_client.post(f"/admin/stories/{story_id}/reject")
    assert response.status_code == 303
    assert "rejected and deleted" in page_text(staff_client.get("/admin/stories"))
    assert _story(story_id) is None and _story(keep_id) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Story).where(Story.contact_email == email)) == 0
    assert staff_client.post(f"/admin/stories/{story_id}/reject").status_code == 404


def test_reject_refuses_a_published_story_and_staff_stories_are_not_touched(staff_client):
    published = make_submitted_story("Pat")
    staff_client.post(f"/admin/stories/{published.id}/publish")
    response = staff_client.post(f"/admin/stories/{published.id}/reject")
    assert response.status_code == 409 and "already on the site" in page_text(response)
    assert _story(published.id).published is True
    ours = make_submitted_story("Sam", source=StorySource.STAFF)
    assert staff_client.post(f"/admin/stories/{ours.id}/publish").status_code == 404
    assert staff_client.post(f"/admin/stories/{ours.id}/reject").status_code == 404
    assert _story(ours.id).published is False
