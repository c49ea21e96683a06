"""Survivors' stories: reading the published ones, and taking in new ones for review."""
from __future__ import annotations

import re
import secrets
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from shop.catalog.models import Product
from shop.extensions import db
from shop.outbox.services import queue_email
from shop.testimonials.models import StorySource, Testimonial

CONSENT_SCOPE_SUBMITTED = (
    "Submitted through the website form: publish on the website with the given name, after staff review"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TestimonialNotFound(LookupError):
    pass


class UnknownProduct(ValueError):
    """The story names a product we do not sell."""


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
    return list(db.session.scalars(select(Product).where(Product.id.in_(about), Product.active.is_(True)).order_by(Product.position)))


def product_by_slug(slug: str) -> Product:
    product = db.session.scalar(select(Product).where(Product.slug == slug, Product.active.is_(True)))
    if product is None:
        raise UnknownProduct(slug)
    return product


def product_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Product.slug, Product.name).where(Product.active.is_(True)).order_by(Product.position))
    return [("", "Not about one product")] + [(slug, name) for slug, name in rows]


def _plain(value: str) -> str:
    """Stored as typed, minus control characters; templates escape it on the way out."""
    return _CONTROL.sub("", value).replace("\r\n", "\n").strip()


def submit_story(
    *, name: str, email: str, story: str, product_slug: str, time_since_stroke: str, now: datetime, staff_email: str
) -> Testimonial:
    """Save a visitor's story, unpublished, with their consent, and tell staff. One transaction."""
    product = product_by_slug(product_slug) if product_slug else None
    text = _plain(story)
    first_paragraph = text.split("\n\n", 1)[0]
    testimonial = Testimonial(
        slug=f"submitted-{secrets.token_hex(6)}",
        display_name=_plain(name)[:80],
        headline=f"{_plain(name)[:60]}'s story",
        quote=first_paragraph[:297] + "…" if len(first_paragraph) > 300 else first_paragraph,
        story=text,
        time_since_stroke=_plain(time_since_stroke)[:80],
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
