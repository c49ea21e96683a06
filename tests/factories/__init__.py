"""Builders for test data, one module per shop package. Each adds to the session and
commits unless given commit=False (then it only flushes)."""
from tests.factories.accounts import STAFF_EMAIL, make_staff
from tests.factories.catalog import make_product
from tests.factories.content import make_article, make_author, make_category
from tests.factories.orders import make_order
from tests.factories.testimonials import make_submitted_story, make_testimonial

__all__ = [
    "STAFF_EMAIL", "make_article", "make_author", "make_category", "make_order", "make_product", "make_staff",
    "make_submitted_story", "make_testimonial",
]
