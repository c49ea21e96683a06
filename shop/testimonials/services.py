"""Survivors' stories: reading the published ones, taking in new ones, and staff review
of what shoppers send (publish, or reject and forget)."""
from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from shop.audit.services import Actor, changed_fields, record_change
from shop.catalog.models import Product
from shop.catalog.services import ProductNotFound, active_products, get_product
from shop.catalog.services import product_choices as active_product_choices
from shop.database import write_transaction
from shop.errors import Conflict, NotFound
from shop.extensions import db
from shop.media.services import PreparedImage, discard_files, kept_only_if_saved, save_image
from shop.outbox.services import queue_email
from shop.testimonials.models import StorySource, Testimonial
from shop.text import one_line
from shop.web import suggest_slug

log = logging.getLogger(__name__)
STORIES_PER_PAGE = 20

CONSENT_SCOPE_SUBMITTED = (
    "Submitted through the website form: publish on the website with the given name, after staff review"
)
CONSENT_METHOD_SUBMITTED = "Ticked the consent box on the website's “Share your story” form"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TestimonialNotFound(NotFound):
    def __init__(self, slug: str | int):
        super().__init__("We can't find that story.")
        self.slug = slug


def published_testimonials() -> Select[tuple[Testimonial]]:
    return (
        select(Testimonial)
        .where(Testimonial.published.is_(True))
        .options(joinedload(Testimonial.product))
        .order_by(Testimonial.position, Testimonial.id)
    )


def list_testimonials(page: int, per_page: int, product: Product | None = None) -> Pagination:
    query = published_testimonials()
    if product is not None:
        query = query.where(Testimonial.product_id == product.id)
    return db.paginate(query, page=page, per_page=per_page, max_per_page=60, error_out=False)


def featured_testimonials(limit: int = 3, product_id: int | None = None) -> list[Testimonial]:
    query = published_testimonials().where(Testimonial.featured.is_(True))
    if product_id is not None:
        query = query.where(Testimonial.product_id == product_id)
    return list(db.session.scalars(query.limit(limit)))


def get_testimonial(slug: str) -> Testimonial:
    testimonial = db.session.scalar(published_testimonials().where(Testimonial.slug == slug))
    if testimonial is None:
        raise TestimonialNotFound(slug)
    return testimonial


def products_with_stories() -> list[Product]:
    """Products that published stories are about: the filter on /testimonials."""
    about = select(Testimonial.product_id).where(Testimonial.published.is_(True))
    return list(db.session.scalars(active_products().where(Product.id.in_(about))))


def product_by_slug(slug: str) -> Product:
    try:
        return get_product(slug, with_images=False)
    except ProductNotFound as exc:
        raise ProductNotFound(slug, "We don't sell a product by that name, so there are no stories about it.") from exc


def story_product_choices() -> list[tuple[str, str]]:
    return [("", "Not about one product")] + active_product_choices()


def _plain(value: str) -> str:
    """Stored as typed, minus control characters; templates escape it on the way out."""
    return _CONTROL.sub("", value).replace("\r\n", "\n").strip()


def _plain_line(value: str) -> str:
    """A single-line value (a name): never a line break, whoever calls (it ends up in an
    email subject)."""
    return (one_line(value) or "").strip()


def submit_story(
    *, name: str, email: str, story: str, product_slug: str, time_since_stroke: str, now: datetime, staff_email: str
) -> Testimonial:
    """Save a visitor's story, unpublished, with their consent, and tell staff. One transaction."""
    product = product_by_slug(product_slug) if product_slug else None
    text = _plain(story)
    first_paragraph = text.split("\n\n", 1)[0]
    testimonial = Testimonial(
        slug=f"submitted-{secrets.token_hex(6)}",
        display_name=_plain_line(name)[:80],
        headline=f"{_plain_line(name)[:60]}'s story",
        quote=first_paragraph[:297] + "…" if len(first_paragraph) > 300 else first_paragraph,
        story=text,
        time_since_stroke=_plain_line(time_since_stroke)[:80],
        product=product,
        published=False,
        featured=False,
        source=StorySource.VISITOR,
        consent_given_at=now,
        consent_scope=CONSENT_SCOPE_SUBMITTED,
        consent_method=CONSENT_METHOD_SUBMITTED,
        contact_email=email.strip().lower(),
        position=1000,
    )
    db.session.add(testimonial)
    db.session.flush()
    queue_email(
        dedupe_key=f"story-submitted:{testimonial.id}",
        to=staff_email,
        subject=f"A new story to review: {testimonial.display_name}",
        text=(
            f"{testimonial.display_name} sent a story through the website"
            f"{' about the ' + product.name if product else ''}.\n\n"
            f"It is saved unpublished as {testimonial.slug}. Please read it, check the wording and any "
            f"disclosure with them at {testimonial.contact_email}, then publish it.\n\n---\n{text}\n"
        ),
    )
    db.session.commit()
    return testimonial


# ---------------------------------------------------------------- staff review

def _stories_waiting() -> Select[tuple[Testimonial]]:
    return select(Testimonial).where(Testimonial.published.is_(False), Testimonial.source == StorySource.VISITOR)


def stories_to_review(page: int) -> Pagination:
    """Stories shoppers sent, unpublished, oldest first: the order they arrived in."""
    query = _stories_waiting().options(joinedload(Testimonial.product)).order_by(Testimonial.created_at, Testimonial.id)
    return db.paginate(query, page=page, per_page=STORIES_PER_PAGE, error_out=False)


def count_stories_to_review() -> int:
    return db.session.scalar(_stories_waiting().with_only_columns(func.count(Testimonial.id))) or 0


def _locked_story(story_id: int) -> Testimonial:
    story = db.session.scalar(
        select(Testimonial).where(Testimonial.id == story_id, Testimonial.source == StorySource.VISITOR).with_for_update(of=Testimonial)
    )
    if story is None:
        raise TestimonialNotFound(story_id)
    return story


def publish_story(story_id: int, *, actor: Actor) -> Testimonial:
    """Put a shopper's story on the site (it keeps its consent record). Publishing a
    published story changes nothing. Transactional."""
    with write_transaction():
        story = _locked_story(story_id)
        if not story.published and not story.has_consent_record:
            raise ConsentMissing()
        if not story.published:
            record_change(actor, "story.published", "story", story.id, label=story.headline,
                          changes={"published": (False, True)})
            story.published = True
            log.info("story %s published by %s", story.slug, actor.email)
    return story


def reject_story(story_id: int, *, actor: Actor) -> str:
    """Delete a shopper's unpublished story: it and their email address are not kept.
    Returns the name it was sent under. Raises Conflict for a published story.
    Transactional."""
    with write_transaction():
        story = _locked_story(story_id)
        if story.published:
            raise Conflict("This story is already on the site, so it can't be rejected here. Nothing was changed.")
        name = story.display_name
        # The log keeps that a story was rejected, not who wrote it or their address.
        record_change(actor, "story.rejected", "story", story.id, label="a story a shopper sent", changes={"deleted": (False, True)})
        db.session.delete(story)
    log.info("story %s rejected and deleted by %s", story_id, actor.email)
    return name


# ---------------------------------------------------------------- stories staff write

class ConsentMissing(Conflict):
    def __init__(self) -> None:
        super().__init__("This story can't be published without a consent record: the date consent was given, what "
                         "was agreed and how it was given. Please add them on the story's form first. "
                         "(An illustrative story, written by us and not about one real person, needs none.)")


@dataclass(frozen=True)
class StoryDraft:
    """A story's fields as staff set them (plain text, checked by the form)."""

    headline: str
    display_name: str
    time_since_stroke: str
    condition: str
    quote: str
    story: str
    product_slug: str  # "" for none
    video_url: str
    photo_alt: str
    consent_given_at: datetime | None
    consent_scope: str
    consent_method: str
    disclosure: str
    illustrative: bool
    featured: bool
    position: int


def all_stories(page: int) -> Pagination:
    """Every story, published or not, in the order the site lists them."""
    query = select(Testimonial).options(joinedload(Testimonial.product)).order_by(Testimonial.position, Testimonial.id)
    return db.paginate(query, page=page, per_page=STORIES_PER_PAGE, error_out=False)


def story_for_staff(story_id: int) -> Testimonial:
    story = db.session.get(Testimonial, story_id)
    if story is None:
        raise TestimonialNotFound(story_id)
    return story


def _story_values(draft: StoryDraft) -> dict[str, object]:
    product = product_by_slug(draft.product_slug) if draft.product_slug else None
    return {
        "headline": draft.headline, "display_name": draft.display_name, "time_since_stroke": draft.time_since_stroke,
        "condition": draft.condition, "quote": draft.quote, "story": draft.story, "product_id": product.id if product else None,
        "video_url": draft.video_url or None, "photo_alt": draft.photo_alt, "consent_given_at": draft.consent_given_at,
        "consent_scope": draft.consent_scope, "consent_method": draft.consent_method, "disclosure": draft.disclosure,
        "illustrative": draft.illustrative, "featured": draft.featured, "position": draft.position,
    }


def _unique_story_slug(draft: StoryDraft) -> str:
    base = suggest_slug(f"{draft.display_name} {draft.headline}", 140) or "story"
    slug, n = base, 2
    while db.session.scalar(select(Testimonial.id).where(Testimonial.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_story(draft: StoryDraft, *, photo: PreparedImage | None, actor: Actor) -> Testimonial:
    """A staff-written story, unpublished until someone publishes it (which needs its
    consent record). `photo` was prepared by the media pipeline. Transactional."""
    with kept_only_if_saved(photo), write_transaction():
        values = _story_values(draft)
        story = Testimonial(slug=_unique_story_slug(draft), source=StorySource.STAFF, published=False, **values)
        if photo is not None:
            story.photo = save_image(photo)
            story.photo_path = None
        db.session.add(story)
        db.session.flush()
        record_change(actor, "story.created", "story", story.id, label=story.headline,
                      changes={name: (None, value) for name, value in values.items()
                               if name in ("headline", "display_name", "featured", "illustrative", "consent_given_at")})
    return story


def update_story(story_id: int, draft: StoryDraft, *, photo: PreparedImage | None, remove_photo: bool,
                 actor: Actor) -> Testimonial:
    """Save a story's fields (and a new photo, or none). A published story must keep its
    consent record. Transactional; a replaced photo's files go after the commit."""
    old_key = None
    with kept_only_if_saved(photo), write_transaction():
        story = db.session.scalar(select(Testimonial).where(Testimonial.id == story_id).with_for_update(of=Testimonial))
        if story is None:
            raise TestimonialNotFound(story_id)
        values = _story_values(draft)
        before = {name: getattr(story, name) for name in values}
        changes = changed_fields(before, values)
        for name, (_, value) in changes.items():
            setattr(story, name, value)
        if (photo is not None or remove_photo) and (story.photo is not None or story.photo_path):
            old_key = story.photo.key if story.photo is not None else None
            if story.photo is not None:
                db.session.delete(story.photo)
            story.photo, story.photo_path = None, None
            changes["photo"] = ("a photo", None)
        if photo is not None:
            story.photo = save_image(photo)
            changes["photo"] = (changes.get("photo", (None,))[0], f"{photo.key}")
        if story.published and not (story.has_consent_record or story.illustrative):
            raise ConsentMissing()
        if changes:
            record_change(actor, "story.updated", "story", story.id, label=story.headline, changes=changes)
    if old_key:
        discard_files(old_key)
    return story


def set_story_published(story_id: int, published: bool, *, actor: Actor) -> Testimonial:
    """Publish (only with a consent record, unless illustrative) or unpublish any story.
    Raises ConsentMissing. Transactional."""
    with write_transaction():
        story = db.session.scalar(select(Testimonial).where(Testimonial.id == story_id).with_for_update(of=Testimonial))
        if story is None:
            raise TestimonialNotFound(story_id)
        if published and not (story.has_consent_record or story.illustrative):
            raise ConsentMissing()
        if story.published is not published:
            record_change(actor, "story.published" if published else "story.unpublished", "story", story.id,
                          label=story.headline, changes={"published": (story.published, published)})
            story.published = published
    return story


def set_story_featured(story_id: int, featured: bool, *, actor: Actor) -> Testimonial:
    with write_transaction():
        story = db.session.scalar(select(Testimonial).where(Testimonial.id == story_id).with_for_update(of=Testimonial))
        if story is None:
            raise TestimonialNotFound(story_id)
        if story.featured is not featured:
            record_change(actor, "story.featured" if featured else "story.unfeatured", "story", story.id,
                          label=story.headline, changes={"featured": (story.featured, featured)})
            story.featured = featured
    return story
