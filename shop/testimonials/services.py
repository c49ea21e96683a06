"""Survivors' stories: reading the published ones, taking in new ones, and staff review
of what shoppers send (publish, or reject and forget)."""
from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from shop.catalog.models import Product
from shop.catalog.services import ProductNotFound, active_products, get_product
from shop.catalog.services import product_choices as active_product_choices
from shop.database import write_transaction
from shop.errors import Conflict, NotFound
from shop.extensions import db
from shop.outbox.services import queue_email
from shop.testimonials.models import StorySource, Testimonial
from shop.text import one_line

log = logging.getLogger(__name__)
STORIES_PER_PAGE = 20

CONSENT_SCOPE_SUBMITTED = (
    "Submitted through the website form: publish on the website with the given name, after staff review"
)
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
        select(Testimonial).where(Testimonial.id == story_id, Testimonial.source == StorySource.VISITOR).with_for_update()
    )
    if story is None:
        raise TestimonialNotFound(story_id)
    return story


def publish_story(story_id: int, *, staff_email: str) -> Testimonial:
    """Put a shopper's story on the site (it keeps its consent record). Publishing a
    published story changes nothing. Transactional."""
    with write_transaction():
        story = _locked_story(story_id)
        if not story.published:
            story.published = True
            log.info("story %s published by %s", story.slug, staff_email)
    return story


def reject_story(story_id: int, *, staff_email: str) -> str:
    """Delete a shopper's unpublished story: it and their email address are not kept.
    Returns the name it was sent under. Raises Conflict for a published story.
    Transactional."""
    with write_transaction():
        story = _locked_story(story_id)
        if story.published:
            raise Conflict("This story is already on the site, so it can't be rejected here. Nothing was changed.")
        name = story.display_name
        db.session.delete(story)
    log.info("story %s rejected and deleted by %s", story_id, staff_email)
    return name
