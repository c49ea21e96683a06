"""Demo content for a new shop, written by us. Every loader is idempotent: it adds what
is missing, keyed by slug, and never overwrites what staff have since changed."""
from __future__ import annotations

from collections.abc import Iterator

from flask import current_app

from shop.seed.catalog import seed_catalog
from shop.seed.content import seed_content
from shop.seed.downloads import seed_downloads
from shop.seed.policies import seed_policies


def seed_all() -> Iterator[str]:
    yield from seed_catalog()
    yield from seed_content()
    yield from seed_policies()
    yield from seed_downloads(current_app.config["DOWNLOADS_DIR"])
