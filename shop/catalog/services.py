"""Reading the catalogue. Queries load images eagerly so a page's query count stays
the same however many products there are."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product
from shop.extensions import db


class ProductNotFound(LookupError):
    """No active product has that slug."""


def active_products() -> Select[tuple[Product]]:
    return (
        select(Product)
        .where(Product.active.is_(True))
        .options(selectinload(Product.images))
        .order_by(Product.position, Product.id)
    )


def list_products(page: int, per_page: int) -> Pagination:
    return db.paginate(active_products(), page=page, per_page=per_page, max_per_page=60, error_out=False)


def get_product(slug: str) -> Product:
    product = db.session.scalar(active_products().where(Product.slug == slug))
    if product is None:
        raise ProductNotFound(slug)
    return product


def flagship_product() -> Product | None:
    """The device the home page leads with: the first active device in catalogue order."""
    return db.session.scalar(active_products().where(Product.kind == "device").limit(1))
