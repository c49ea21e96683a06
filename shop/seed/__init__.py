"""Demo content for a new shop, written by us. Every loader is idempotent: it adds what
is missing, keyed by slug, and never overwrites what staff have since changed."""
from __future__ import annotations

from collections.abc import Iterator

from shop.seed.catalog import seed_catalog
from shop.seed.content import seed_content


def seed_all() -> Iterator[str]:
    yield from seed_catalog()
    yield from seed_content()
