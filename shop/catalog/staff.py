"""What staff do to the catalogue: create and edit products, deactivate or delete them,
adjust stock with a reason, and manage their photos.

Each public function is one transaction (write_transaction) that writes its audit row
in it, takes plain values and the acting person (an Actor), and raises ShopErrors with
words for staff. Content is saved through the ORM session; only stock moves by one
conditional UPDATE, decided by the database, so a checkout racing an adjustment can
never take it below zero (units held by unpaid checkouts are already off `stock`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, BinaryIO

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.audit.services import Actor, changed_fields, record_change
from shop.catalog.models import Product, ProductImage, ProductKind, StockMovement, StockReason
from shop.database import write_transaction
from shop.errors import Conflict, FieldRefused, NotFound
from shop.extensions import db
from shop.media.models import StoredImage
from shop.media.services import discard_files, kept_only_if_saved, prepare_image, save_image

PRODUCTS_PER_PAGE = 25
MOVEMENTS_SHOWN = 20
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 120


class ProductMissing(NotFound):
    def __init__(self, product_id: int | str = ""):
        super().__init__("We can't find that product. It may have been deleted.")
        self.product_id = product_id


class StockRefused(Conflict):
    """An adjustment that cannot be made (below zero, or stock not counted)."""


@dataclass(frozen=True)
class ProductDraft:
    """A product's fields as staff set them, checked by the form: money in cents."""

    name: str
    slug: str
    sku: str
    kind: ProductKind
    summary: str
    description: str
    price_cents: int
    compare_at_cents: int | None
    stock: int | None  # None: not counted (digital goods)
    active: bool
    position: int

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ---------------------------------------------------------------- reading, for staff

def list_products_for_staff(page: int, *, search: str = "", state: str = "") -> Pagination:
    """Every product (or only active / inactive ones), matching `search` in its name, SKU
    or web address; in catalogue order."""
    query = select(Product).options(selectinload(Product.images)).order_by(Product.position, Product.id)
    if state == "active":
        query = query.where(Product.active.is_(True))
    elif state == "inactive":
        query = query.where(Product.active.is_(False))
    words = search.strip()[:100]
    if words:
        pattern = "%" + words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                  for column in (Product.name, Product.sku, Product.slug))))
    return db.paginate(query, page=page, per_page=PRODUCTS_PER_PAGE, error_out=False)


def product_for_staff(product_id: int) -> Product:
    product = db.session.scalar(select(Product).where(Product.id == product_id).options(selectinload(Product.images)))
    if product is None:
        raise ProductMissing(product_id)
    return product


def recent_movements(product_id: int) -> list[StockMovement]:
    return list(db.session.scalars(
        select(StockMovement).where(StockMovement.product_id == product_id)
        .order_by(StockMovement.id.desc()).limit(MOVEMENTS_SHOWN)
    ))


# ---------------------------------------------------------------- create, edit, switch off, delete

def _check_unique(draft: ProductDraft, product_id: int | None) -> None:
    if not SLUG.match(draft.slug) or len(draft.slug) > SLUG_MAX:
        raise FieldRefused("slug", "Use small letters, numbers and single hyphens only, for example steadyhand-trainer.")
    others = select(Product.id).where(Product.id != product_id) if product_id else select(Product.id)
    if db.session.scalar(others.where(Product.slug == draft.slug)) is not None:
        raise FieldRefused("slug", f"Another product already uses the web address “{draft.slug}”. Please choose another.")
    if db.session.scalar(others.where(func.lower(Product.sku) == draft.sku.lower())) is not None:
        raise FieldRefused("sku", f"Another product already has the SKU “{draft.sku}”. Please choose another.")
    if draft.compare_at_cents is not None and draft.compare_at_cents <= draft.price_cents:
        raise FieldRefused("compare_at_price", "The old price must be higher than the price.")


def create_product(draft: ProductDraft, *, actor: Actor) -> Product:
    """A new product, with every field recorded in the audit log. Raises FieldRefused
    for a web address or SKU already in use. Transactional."""
    with write_transaction():
        _check_unique(draft, None)
        product = Product(**draft.values())
        db.session.add(product)
        db.session.flush()
        record_change(actor, "product.created", "product", product.id, label=product.name,
                      changes={name: (None, value) for name, value in draft.values().items()})
    return product


def _locked(product_id: int) -> Product:
    product = db.session.scalar(select(Product).where(Product.id == product_id).with_for_update())
    if product is None:
        raise ProductMissing(product_id)
    return product


def update_product(product_id: int, draft: ProductDraft, *, stock_was: int | None, actor: Actor) -> Product:
    """Save the form. Stock is not overwritten: the difference between what the form
    showed (`stock_was`) and what was typed is applied as a count correction, so units
    checkouts took meanwhile stay taken. Starting or stopping counting sets it outright.
    Raises FieldRefused, StockRefused or ProductMissing. Transactional."""
    with write_transaction():
        product = _locked(product_id)
        _check_unique(draft, product.id)
        before = {name: getattr(product, name) for name in draft.values()}
        wanted = draft.values()
        stock_wanted = wanted.pop("stock")
        changes = changed_fields(before, wanted)
        for name, (_, value) in changes.items():
            setattr(product, name, value)
        if stock_wanted is None or product.stock is None:
            if stock_wanted != product.stock:
                changes["stock"] = (product.stock, stock_wanted)
                product.stock = stock_wanted
        else:
            seen = product.stock if stock_was is None else stock_was
            if stock_wanted != seen:
                after = _move_stock(product, stock_wanted - seen, StockReason.COUNT_CORRECTION,
                                    "Changed on the product form", actor)
                changes["stock"] = (after - (stock_wanted - seen), after)
        if changes:
            record_change(actor, "product.updated", "product", product.id, label=product.name, changes=changes)
    return product


def set_product_active(product_id: int, active: bool, *, actor: Actor) -> Product:
    """Show a product in the shop again, or take it off sale (carts that hold it say it
    is no longer sold; past orders keep their copy). Transactional."""
    with write_transaction():
        product = _locked(product_id)
        if product.active is not active:
            record_change(actor, "product.activated" if active else "product.deactivated", "product", product.id,
                          label=product.name, changes={"active": (product.active, active)})
            product.active = active
    return product


def delete_product(product_id: int, *, actor: Actor) -> str:
    """Delete a product that was never ordered, with its photos; returns its name. One that
    was ordered is refused (the database restricts it): deactivate it instead. Transactional."""
    with write_transaction():
        product = _locked(product_id)
        name = product.name
        image_ids = [image.image_id for image in product.images if image.image_id is not None]
        keys = list(db.session.scalars(select(StoredImage.key).where(StoredImage.id.in_(image_ids))))
        record_change(actor, "product.deleted", "product", product.id, label=name,
                      changes={"price_cents": (product.price_cents, None), "stock": (product.stock, None)})
        db.session.delete(product)
        try:
            db.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"The {name} has been ordered, so it is kept for those orders' records and can't be "
                           "deleted. Switch it off instead: it leaves the shop at once. Nothing was changed.") from exc
        if image_ids:
            db.session.execute(delete(StoredImage).where(StoredImage.id.in_(image_ids)))
    for key in keys:
        discard_files(key)
    return name


# ---------------------------------------------------------------- stock

# Which way each reason may move stock: received adds, damaged takes away, a count either.
REASON_SIGNS = {StockReason.RECEIVED: 1, StockReason.DAMAGED: -1, StockReason.COUNT_CORRECTION: 0}


def _move_stock(product: Product, change: int, reason: StockReason, note: str, actor: Actor) -> int:
    """Apply `change` in one conditional UPDATE and record the movement; the new stock."""
    after = db.session.execute(
        update(Product)
        .where(Product.id == product.id, Product.stock.is_not(None), Product.stock + change >= 0)
        .values(stock=Product.stock + change)
        .returning(Product.stock)
        .execution_options(synchronize_session=False)
    ).scalar()
    if after is None:
        left = db.session.scalar(select(Product.stock).where(Product.id == product.id))
        if left is None:
            raise StockRefused(f"The {product.name}'s stock is not counted (it is a digital product), so it can't be "
                               "adjusted. Nothing was changed.")
        raise StockRefused(
            f"Only {left} of the {product.name} are left to sell (units in unpaid checkouts are already taken off), "
            f"so stock can go down by at most {left}. Nothing was changed.")
    db.session.add(StockMovement(product_id=product.id, change=change, stock_after=after, reason=reason,
                                 note=note[:300], staff_email=actor.email))
    return after


def adjust_stock(product_id: int, change: int, reason: StockReason, note: str, *, actor: Actor) -> int:
    """Add or take away units with a reason, recorded as a movement and in the audit log;
    returns the stock left to sell. The database decides atomically that it never goes
    below zero. Raises StockRefused or ProductMissing. Transactional."""
    if change == 0:
        raise FieldRefused("change", "Enter how many units to add (such as 12) or take away (such as -2), not 0.")
    sign = REASON_SIGNS[reason]
    if sign and (change > 0) != (sign > 0):
        raise FieldRefused("change", "Received stock adds units (such as 12); damaged stock takes them away "
                                     "(such as -2). Choose “Count correction” for any other change.")
    with write_transaction():
        product = db.session.scalar(select(Product).where(Product.id == product_id))
        if product is None:
            raise ProductMissing(product_id)
        after = _move_stock(product, change, reason, note, actor)
        record_change(actor, "stock.adjusted", "product", product.id, label=product.name,
                      changes={"stock": (after - change, after), "reason": (None, reason)})
    return after


# ---------------------------------------------------------------- photos

def add_photo(product_id: int, upload: BinaryIO, alt: str, *, actor: Actor) -> ProductImage:
    """Check and store a photo (ImageRefused if it is not a usable one), then add it last
    among the product's photos. A photo that fails leaves the product as it was."""
    if not alt.strip():
        raise FieldRefused("alt", "Please describe the photo for people who cannot see it.")
    prepared = prepare_image(upload)  # slow: before any lock
    with kept_only_if_saved(prepared), write_transaction():
        product = _locked(product_id)
        stored = save_image(prepared)
        position = max((image.position for image in product.images), default=-1) + 1
        photo = ProductImage(image=stored, alt=alt.strip()[:300], position=position)
        product.images.append(photo)
        db.session.flush()
        record_change(actor, "product.photo_added", "product", product.id, label=product.name,
                      changes={"photo": (None, f"{stored.key} ({stored.width} × {stored.height})"), "alt": (None, photo.alt)})
    return photo


def _photo(product: Product, photo_id: int) -> ProductImage:
    for image in product.images:
        if image.id == photo_id:
            return image
    raise NotFound("We can't find that photo of this product. It may have been deleted already.")


def change_photo_alt(product_id: int, photo_id: int, alt: str, *, actor: Actor) -> None:
    if not alt.strip():
        raise FieldRefused("alt", "Please describe the photo for people who cannot see it.")
    with write_transaction():
        product = _locked(product_id)
        photo = _photo(product, photo_id)
        if photo.alt != alt.strip()[:300]:
            record_change(actor, "product.photo_changed", "product", product.id, label=product.name,
                          changes={"alt": (photo.alt, alt.strip()[:300])})
            photo.alt = alt.strip()[:300]


def move_photo(product_id: int, photo_id: int, step: int, *, actor: Actor) -> None:
    """Move a photo one place earlier (-1) or later (+1); the first is the main photo."""
    with write_transaction():
        product = _locked(product_id)
        photos = list(product.images)
        photo = _photo(product, photo_id)
        index = photos.index(photo)
        target = max(0, min(len(photos) - 1, index + step))
        if target == index:
            return
        photos.insert(target, photos.pop(index))
        for position, image in enumerate(photos):
            image.position = position
        record_change(actor, "product.photo_moved", "product", product.id, label=product.name,
                      changes={"photo_position": (index + 1, target + 1)})


def delete_photo(product_id: int, photo_id: int, *, actor: Actor) -> None:
    """Remove a photo from the product; an uploaded photo's files go too."""
    with write_transaction():
        product = _locked(product_id)
        photo = _photo(product, photo_id)
        stored = photo.image
        key = stored.key if stored is not None else None
        record_change(actor, "product.photo_deleted", "product", product.id, label=product.name,
                      changes={"alt": (photo.alt, None)})
        product.images.remove(photo)
        db.session.flush()
        if stored is not None:
            db.session.delete(stored)
    if key:
        discard_files(key)
