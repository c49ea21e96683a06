from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Product
from shop.database import UTCDateTime, utcnow
from shop.extensions import db


class Cart(db.Model):
    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The random value the signed cookie carries; never the numeric id, which is guessable.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moves on every change, so abandoned and expired carts can be found by age.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    lines: Mapped[list["CartLine"]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )


class CartLine(db.Model):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id", name="uq_cart_lines_cart_product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int]
    # The price the shopper saw when adding: only used to tell them it has changed since.
    # What they pay always comes from the product row at checkout.
    price_seen_cents: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The article whose product card it was added from, so the owner can see which articles
    # lead to sales; copied to the order line at checkout.
    source_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
