from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Select, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.caching import PublicContent
from shop.database import UTCDateTime, enum_column, utcnow
from shop.extensions import db
from shop.markup import StoredMarkdown
from shop.media.models import StoredImage
from shop.media.pictures import Picture, picture_of, static_picture


class ProductKind(str, enum.Enum):
    DEVICE = "device"
    BUNDLE = "bundle"
    ACCESSORY = "accessory"
    DIGITAL = "digital"


class Product(PublicContent, StoredMarkdown, db.Model):
    __tablename__ = "products"
    __markdown__ = {"description": "description_html"}
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("compare_at_cents IS NULL OR compare_at_cents > price_cents", name="compare_at_above_price"),
        # The database itself refuses negative stock, whatever code runs against it.
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        Index("ix_products_active_position", "active", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProductKind] = mapped_column(enum_column(ProductKind))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    description_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised when saved
    price_cents: Mapped[int] = mapped_column(Integer)
    compare_at_cents: Mapped[int | None] = mapped_column(Integer)  # the old price when on sale
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    stock: Mapped[int | None] = mapped_column(Integer)  # None: not tracked (digital goods)
    # A digital product's file, by name in the private downloads folder (DOWNLOADS_DIR).
    download_file: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)  # order in the catalogue, lowest first
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )

    LOW_STOCK = 5

    @classmethod
    def select_active(cls) -> Select[tuple["Product"]]:
        """Products shoppers may see and buy: the one place that says what "active" means."""
        return select(cls).where(cls.active.is_(True))

    @property
    def on_sale(self) -> bool:
        return self.compare_at_cents is not None and self.compare_at_cents > self.price_cents

    @property
    def is_digital(self) -> bool:
        return self.kind is ProductKind.DIGITAL

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0

    @property
    def stock_is_low(self) -> bool:
        """For staff: time to reorder (counted stock at or below LOW_STOCK)."""
        return self.stock is not None and self.stock <= self.LOW_STOCK

    @property
    def stock_label(self) -> str:
        """Plain words for the stock state, as shoppers read them."""
        if self.stock is None:
            return "Available now"
        if self.stock <= 0:
            return "Out of stock"
        if self.stock <= self.LOW_STOCK:
            return f"Only {self.stock} left"
        return "In stock"

    @property
    def main_image(self) -> "ProductImage | None":
        return self.images[0] if self.images else None

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class ProductImage(PublicContent, db.Model):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # A photo staff uploaded (its variants), or else a picture shipped under static/.
    image_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id", ondelete="CASCADE"), index=True)
    path: Mapped[str | None] = mapped_column(String(300))  # under static/, or an absolute URL
    alt: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="images")
    # Joined wherever images load, so a list of products costs no extra query per photo.
    image: Mapped[StoredImage | None] = relationship(lazy="joined")

    # Pictures shipped with the shop are drawn 4:3.
    STATIC_SIZE = (600, 450)

    @property
    def picture(self) -> Picture:
        if self.image is not None:
            return picture_of(self.image)
        return static_picture(self.path or "", *self.STATIC_SIZE)


class StockReason(str, enum.Enum):
    """Why stock changed, as staff choose it."""

    RECEIVED = "received"                  # a delivery came in: more to sell
    DAMAGED = "damaged"                    # units that cannot be sold
    COUNT_CORRECTION = "count_correction"  # the shelf was counted and differs


class StockMovement(db.Model):
    """One change of stock made by staff, with its reason: the shelf's own history.
    (Checkouts take and hand back stock through orders, which keep their own history.)"""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    change: Mapped[int]  # +12 received, -2 damaged
    stock_after: Mapped[int]  # left to sell right after this change
    reason: Mapped[StockReason] = mapped_column(enum_column(StockReason, 24))
    note: Mapped[str] = mapped_column(String(300), default="")
    staff_email: Mapped[str] = mapped_column(String(320))
