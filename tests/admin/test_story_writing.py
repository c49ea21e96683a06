"""Stories staff write: create and edit with a consent record and a photo; publishing
needs the consent record; unpublish, feature, reorder."""
from __future__ import annotations

import io

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from shop.audit.models import AuditEntry
from shop.extensions import db
from shop.media.models import StoredImage
from shop.testimonials.models import StorySource
from shop.testimonials.models import Testimonial as Story
from tests.factories import make_product
from tests.support.db import count, fresh
from tests.support.html import page_text
from tests.support.images import multipart, not_a_photo, photo_bytes

FORM = {"headline": "Buttons again after eight months", "display_name": "Rosa", "time_since_stroke": "two years after a stroke",
        "quote": "I did my own buttons.", "story": "First I could not hold a cup.\n\nNow I button my coat.",
        "product": "", "video_url": "", "photo_alt": "", "consent_given_at": "", "consent_scope": "",
        "consent_method": "", "disclosure": "", "position": "5"}
CONSENT = {"consent_given_at": "2026-03-05", "consent_scope": "Website and newsletter, first name and photo",
           "consent_method": "Signed form, kept in the office file"}


def _story() -> Story:
    fresh()
    return db.session.scalar(sa.select(Story).order_by(Story.id.desc()))


def test_a_story_without_consent_is_saved_but_cannot_be_published(staff_client):
    response = staff_client.post("/admin/stories/new", data=FORM)
    assert response.status_code == 303
    story = _story()
    assert (story.source, story.published, story.display_name, story.position) == (StorySource.STAFF, False, "Rosa", 5)
    assert story.slug == "rosa-buttons-again-after-eight-months"
    refused = staff_client.post(f"/admin/stories/{story.id}/put-on-site")
    assert refused.status_code == 409 and "consent record" in page_text(refused)
    assert _story().published is False
    assert staff_client.get(f"/testimonials/{story.slug}").status_code == 404
    assert count(AuditEntry, AuditEntry.action == "story.published") == 0


def test_with_a_consent_record_it_is_published_and_shown(staff_client):
    product = make_product(name="Grip Ball", slug="grip-ball")
    staff_client.post("/admin/stories/new", data={**FORM, **CONSENT, "product": "grip-ball"})
    story = _story()
    assert story.has_consent_record and story.consent_given_at.date().isoformat() == "2026-03-05"
    assert story.product_id == product.id
    assert staff_client.post(f"/admin/stories/{story.id}/put-on-site").status_code == 303
    page = page_text(staff_client.get(f"/testimonials/{story.slug}"))
    assert "Buttons again after eight months" in page and "Now I button my coat." in page
    assert staff_client.post(f"/admin/stories/{story.id}/feature").status_code == 303
    assert "Buttons again after eight months" in page_text(staff_client.get("/"))
    assert staff_client.post(f"/admin/stories/{story.id}/take-off-site").status_code == 303
    assert staff_client.get(f"/testimonials/{story.slug}").status_code == 404
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == str(story.id))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["story.created", "story.published", "story.featured", "story.unpublished"]


def test_a_published_story_keeps_its_consent_record(staff_client):
    staff_client.post("/admin/stories/new", data={**FORM, **CONSENT})
    story = _story()
    staff_client.post(f"/admin/stories/{story.id}/put-on-site")
    response = staff_client.post(f"/admin/stories/{story.id}/edit", data={**FORM, **CONSENT, "consent_method": ""})
    assert response.status_code == 409 and _story().consent_method == CONSENT["consent_method"]


def test_an_illustrative_story_needs_no_consent_record(staff_client):
    staff_client.post("/admin/stories/new", data={**FORM, "illustrative": "y"})
    story = _story()
    assert staff_client.post(f"/admin/stories/{story.id}/put-on-site").status_code == 303 and _story().published


def test_the_review_queue_still_needs_the_shoppers_consent(staff_client):
    from tests.factories import make_submitted_story

    without = make_submitted_story("Pat", consent_method="")
    assert staff_client.post(f"/admin/stories/{without.id}/publish").status_code == 409


def test_a_photo_goes_through_the_pipeline_and_can_be_replaced_or_removed(app, staff_client):
    fields = {**FORM, **CONSENT, "photo_alt": "Rosa at her kitchen table",
              "photo": FileStorage(io.BytesIO(photo_bytes(1600, 1200)), "rosa.jpg")}
    assert staff_client.post("/admin/stories/new", **multipart(staff_client, fields)).status_code == 303
    story = _story()
    first = db.session.get(StoredImage, story.photo_id)
    first_id = first.id
    staff_client.post(f"/admin/stories/{story.id}/put-on-site")
    html = staff_client.get(f"/testimonials/{story.slug}").get_data(as_text=True)
    assert f"/media/{first.key}/800.jpg" in html and 'alt="Rosa at her kitchen table"' in html
    refused = staff_client.post(f"/admin/stories/{story.id}/edit", **multipart(staff_client, {
        **fields, "photo": FileStorage(io.BytesIO(not_a_photo()), "rosa2.jpg")}))
    assert refused.status_code == 400 and "not a photo we can use" in page_text(refused)
    assert _story().photo_id == first_id
    replaced = staff_client.post(f"/admin/stories/{story.id}/edit", **multipart(staff_client, {
        **fields, "photo": FileStorage(io.BytesIO(photo_bytes(900, 600)), "rosa2.jpg")}))
    assert replaced.status_code == 303
    assert _story().photo_id != first_id and count(StoredImage) == 1
    no_alt = staff_client.post(f"/admin/stories/{story.id}/edit", **multipart(staff_client, {
        **fields, "photo_alt": "", "photo": FileStorage(io.BytesIO(photo_bytes(900, 600)), "rosa3.jpg")}))
    assert no_alt.status_code == 400 and "describe the photo" in page_text(no_alt)
    staff_client.post(f"/admin/stories/{story.id}/edit", data={**FORM, **CONSENT, "remove_photo": "y"})
    assert _story().photo_id is None and count(StoredImage) == 0


def test_only_allow_listed_video_links_and_real_products(staff_client):
    response = staff_client.post("/admin/stories/new", data={**FORM, "video_url": "javascript:alert(1)"})
    assert response.status_code == 400 and "YouTube or Vimeo" in page_text(response)
    response = staff_client.post("/admin/stories/new", data={**FORM, "product": "no-such-product"})
    assert response.status_code == 400
    assert count(Story) == 0


def test_the_list_shows_every_story_with_its_consent_state(staff_client):
    staff_client.post("/admin/stories/new", data=FORM)
    staff_client.post("/admin/stories/new", data={**FORM, **CONSENT, "headline": "Walking to the shop"})
    text = page_text(staff_client.get("/admin/stories/all"))
    assert "Buttons again" in text and "Walking to the shop" in text and "Missing" in text
    story = _story()
    form = page_text(staff_client.get(f"/admin/stories/{story.id}/edit"))
    assert "Walking to the shop" in form and "Publish this story" in form
