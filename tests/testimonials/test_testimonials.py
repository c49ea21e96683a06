"""Survivors' stories: the grid, the story page, and "Share your story"."""
import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.outbox.models import OutboxEmail
from shop.testimonials.models import StorySource
from shop.testimonials.models import Testimonial as Story  # "Test…" names would be collected by pytest
from shop.testimonials.video import video_embed
from tests.factories import make_product, make_testimonial
from tests.support.html import dangerous_markup, page_text


def test_grid_shows_published_stories_with_the_ftc_notes(app, client):
    make_testimonial(headline="Published story", disclosure="Received a free strap.")
    make_testimonial(headline="Illustrative story", illustrative=True)
    make_testimonial(headline="Awaiting review", published=False)
    text = page_text(client.get("/testimonials"))
    assert "Published story" in text and "Illustrative story" in text
    assert "Awaiting review" not in text
    assert "Individual results vary" in text
    assert "Received a free strap." in text and "Nothing was given in return for this story." in text
    assert "An illustrative story written by our team" in text


def test_grid_filters_by_product(app, client):
    trainer, strap = make_product(name="Trainer"), make_product(name="Strap")
    make_testimonial(headline="About the trainer", product=trainer)
    make_testimonial(headline="About the strap", product=strap)
    text = page_text(client.get(f"/testimonials?product={trainer.slug}"))
    assert "About the trainer" in text and "About the strap" not in text
    assert client.get("/testimonials?product=nope").status_code == 404


def test_story_page_escapes_text_and_shows_disclosures(app, client):
    story = make_testimonial(
        headline="<script>alert(1)</script>Headline", quote="<img src=x onerror=alert(2)>",
        story="Para one <script>alert(3)</script>.\n\nPara [two](javascript:alert(4)).", illustrative=True,
        condition="Ischaemic stroke", disclosure="Got a discount.",
    )
    response = client.get(f"/testimonials/{story.slug}")
    html, text = response.get_data(as_text=True), page_text(response)
    main = html[html.index("<main"):html.index("</main>")]
    assert dangerous_markup(main) == [] and "&lt;script&gt;alert(3)&lt;/script&gt;" in main
    assert "<p>Para one" in main and "<p>Para [two]" in main  # paragraphs kept, nothing linked
    assert "Individual results vary" in text and "Got a discount." in text
    assert "illustrative story" in text and "Ischaemic stroke" in text


def test_unpublished_story_page_is_404(app, client):
    assert client.get(f"/testimonials/{make_testimonial(published=False).slug}").status_code == 404
    assert client.get("/testimonials/nope").status_code == 404


def test_video_loads_only_when_asked_and_only_from_allowed_hosts(app, client):
    allowed = make_testimonial(video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page = client.get(f"/testimonials/{allowed.slug}").get_data(as_text=True)
    assert "<iframe" not in page and "Play the video here" in page
    played = client.get(f"/testimonials/{allowed.slug}?play=1").get_data(as_text=True)
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in played
    other = make_testimonial(video_url="https://evil.example/watch?v=dQw4w9WgXcQ")
    assert "<iframe" not in client.get(f"/testimonials/{other.slug}?play=1").get_data(as_text=True)


@pytest.mark.parametrize(
    "url, embed",
    [
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        ("javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ", None),
        ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", None),
        ("https://www.youtube.com/watch?v=bad\"id", None),
        ("", None),
    ],
)
def test_video_allow_list(url, embed):
    result = video_embed(url)
    assert (result.embed_url if result else None) == embed


def test_home_and_product_pages_show_featured_stories(app, client):
    product = make_product()
    make_testimonial(headline="Featured about it", product=product)
    make_testimonial(headline="Not featured", product=product, featured=False)
    for path in ("/", f"/products/{product.slug}"):
        text = page_text(client.get(path))
        assert "Featured about it" in text and "Not featured" not in text and "Individual results vary" in text


def _story(**overrides):
    data = {
        "name": "Jo", "email": "jo@example.com", "product": "", "time_since_stroke": "Two years",
        "story": "I practised every day and my grip slowly came back over the months.", "consent": "y",
    }
    data.update(overrides)
    return data


def _count():
    return db.session.scalar(select(func.count(Story.id)))


def test_share_your_story_saves_an_unpublished_plain_text_story(app, client):
    product = make_product(name="Grip Trainer")
    response = client.post("/testimonials/submit", data=_story(product=product.slug, story="<script>alert(1)</script> I practised every day, it helped."))
    assert response.status_code == 303 and response.headers["Location"].endswith("/testimonials/thanks")
    saved = db.session.scalar(select(Story))
    assert saved.published is False and saved.source is StorySource.VISITOR and saved.product_id == product.id
    assert saved.story.startswith("<script>alert(1)</script>")  # stored as typed, escaped on output
    assert saved.consent_given_at is not None and "staff review" in saved.consent_scope
    assert saved.contact_email == "jo@example.com"
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.dedupe_key == f"story-submitted:{saved.id}")) is not None
    assert saved.slug not in page_text(client.get("/testimonials"))
    saved.published = True
    db.session.commit()
    html = client.get(f"/testimonials/{saved.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"consent": None}, "Please tick the box"),
        ({"email": "not-an-email"}, "does not look like an email"),
        ({"name": ""}, "what name to show"),
        ({"story": "Too short."}, "between 40 and 5,000"),
        ({"product": "no-such-product"}, "Not a valid choice"),
    ],
)
def test_share_your_story_validation(app, client, overrides, message):
    data = {k: v for k, v in _story(**overrides).items() if v is not None}
    response = client.post("/testimonials/submit", data=data)
    assert response.status_code == 400
    assert message in page_text(response) and "Nothing was sent yet" in page_text(response)
    assert _count() == 0


def test_share_your_story_refuses_a_post_from_another_site(app, client):
    response = client.post("/testimonials/submit", data=_story(), headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert _count() == 0


def test_honeypot_thanks_the_bot_and_keeps_nothing(app, client):
    response = client.post("/testimonials/submit", data=_story(website="http://spam.example"))
    assert response.status_code == 303
    assert _count() == 0


def test_share_your_story_is_rate_limited(app, client):
    statuses = [client.post("/testimonials/submit", data=_story()).status_code for _ in range(6)]
    assert statuses == [303] * 5 + [429]
    assert _count() == 5
    assert client.get("/testimonials/submit").status_code == 200  # reading the form is never limited
