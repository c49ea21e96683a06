"""Reading the catalogue. Queries load images eagerly so a page's query count stays
the same however many products there are. Every other domain asks here for products
shoppers may see, so "active" is decided in one place (Product.select_active)."""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product, ProductKind
from shop.errors import NotFound
from shop.extensions import db


class ProductNotFound(NotFound):
    """No active product has that slug."""

    def __init__(self, slug: str, message: str = "Sorry, that product is not available."):
        super().__init__(message)
        self.slug = slug


def active_products() -> Select[tuple[Product]]:
    """Active products in catalogue order, with their images."""
    return Product.select_active().options(selectinload(Product.images)).order_by(Product.position, Product.id)


def list_products(page: int, per_page: int) -> Pagination:
    return db.paginate(active_products(), page=page, per_page=per_page, max_per_page=60, error_out=False)


@cache
def _product_by_slug(with_images: bool) -> Select[tuple[Product]]:
    # Built once: keying a new statement for every add to cart cost more than running it.
    query = active_products() if with_images else Product.select_active()
    return query.where(Product.slug == bindparam("slug"))


def get_product(slug: str, *, with_images: bool = True) -> Product:
    """The active product with this slug, or ProductNotFound."""
    product = db.session.scalar(_product_by_slug(with_images), {"slug": slug})
    if product is None:
        raise ProductNotFound(slug)
    return product


def active_products_by_slug(slugs: Iterable[str]) -> dict[str, Product]:
    """The active products among these slugs, with images, by slug (unknown ones absent)."""
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        return {}
    return {p.slug: p for p in db.session.scalars(active_products().where(Product.slug.in_(wanted)))}


def products_by_id(ids: Iterable[int]) -> dict[int, Product]:
    """These products, active or not, by id, in the caller's transaction (one query)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(wanted)))}


def active_product_slugs() -> set[str]:
    return set(db.session.scalars(Product.select_active().with_only_columns(Product.slug)))


def product_choices() -> list[tuple[str, str]]:
    """(slug, name) of every active product, in catalogue order, for a select box."""
    rows = db.session.execute(
        Product.select_active().with_only_columns(Product.slug, Product.name).order_by(Product.position, Product.id)
    )
    return [(slug, name) for slug, name in rows]


def low_stock_products(threshold: int = Product.LOW_STOCK, limit: int = 20) -> list[Product]:
    """Active products with tracked stock at or below the threshold, fewest first."""
    return list(db.session.scalars(
        Product.select_active().where(Product.stock.is_not(None), Product.stock <= threshold)
        .order_by(Product.stock, Product.position, Product.id).limit(limit)
    ))


def flagship_product() -> Product | None:
    """The device the home page leads with: the first active device in catalogue order."""
    return db.session.scalar(active_products().where(Product.kind == ProductKind.DEVICE).limit(1))
