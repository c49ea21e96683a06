"""Survivors' stories: written by staff, and sent by shoppers for review."""
from __future__ import annotations

from typing import Any

from shop.catalog.models import Product
from shop.database import utcnow
from shop.testimonials.models import StorySource, Testimonial
from shop.testimonials.services import CONSENT_METHOD_SUBMITTED, CONSENT_SCOPE_SUBMITTED
from tests.factories.base import finish, sequence


def make_testimonial(*, product: Product | None = None, commit: bool = True, **fields: Any) -> Testimonial:
    n = next(sequence)
    values: dict[str, Any] = {
        "slug": f"story-{n}",
        "display_name": f"Sam{n}",
        "headline": f"Story headline {n}",
        "quote": "Practice made the difference.",
        "story": "First paragraph.\n\nSecond paragraph.",
        "time_since_stroke": "Two years",
        "published": True,
        "featured": True,
        "position": n,
        "consent_given_at": utcnow(),
        "consent_scope": "website",
        "consent_method": "signed form",
        "photo_path": "img/testimonials/maria.svg",
        "photo_alt": "A test photo",
    }
    values.update(fields)
    testimonial = Testimonial(**values)
    testimonial.product = product
    return finish(testimonial, commit)


def make_submitted_story(name: str = "Maria", *, commit: bool = True, **fields: Any) -> Testimonial:
    """A story as a shopper's form leaves it: unpublished, with their consent and address."""
    n = next(sequence)
    values: dict[str, Any] = {
        "slug": f"submitted-{n:012x}", "display_name": name, "headline": f"{name}'s story",
        "quote": "I can hold a cup again.", "story": "I can hold a cup again.\n\nIt took months of practice.",
        "published": False, "source": StorySource.VISITOR, "consent_given_at": utcnow(),
        "consent_scope": CONSENT_SCOPE_SUBMITTED, "consent_method": CONSENT_METHOD_SUBMITTED, "contact_email": f"writer{n}@example.com", "position": 1000,
    }
    values.update(fields)
    return finish(Testimonial(**values), commit)
