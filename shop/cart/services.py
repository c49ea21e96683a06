"""Cart use cases. Each public function is one transaction; none reads the request.

Prices shown and summed always come from the product rows at the time of the call,
never from a form. Every refusal is a ShopError carrying words for the shopper; those the
shopper fixes on the cart page are CartNeedsChanges.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product, ProductImage, ProductKind
from shop.catalog.services import ProductNotFound
from shop.content.services import public_article_id, public_article_id_query
from shop.database import QuickRead, QuickWrite, QuickWriteConflict, UTCDateTime, begin_write, utcnow
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.media.models import StoredImage
from shop.media.pictures import Picture, static_picture, stored_picture
from shop.money import format_money
from shop.orders.services import (
    held_elsewhere_note,
    units_held_by_cart,
    units_held_by_other_carts,
    units_of_product_held_by_cart,
    units_of_product_held_by_other_carts,
)

MAX_LINES = 50  # distinct products in one cart: far above any real order, stops abuse


class InvalidQuantity(ShopError):
    pass


class CartLineNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("That item is not in your cart any more.")


class CartNeedsChanges(Conflict):
    """A refusal the shopper fixes on the cart page: the cart page shows it as a notice."""


class NotEnoughStock(CartNeedsChanges):
    pass


class NoLongerSold(CartNeedsChanges):
    pass


class CartFull(Conflict):
    pass


@dataclass(frozen=True)
class CartProduct:
    """A product as the cart shows and sums it, read with the cart (plain values)."""

    id: int
    slug: str
    name: str
    price_cents: int
    stock: int | None
    active: bool
    is_digital: bool


@dataclass(frozen=True)
class LinePhoto:
    """The columns of a line's first photo: a stored photo (key and sizes) or a picture
    shipped under static/ (path)."""

    path: str | None
    key: str | None = None
    width: int = 0
    height: int = 0
    widths: tuple[int, ...] = ()

    @property
    def picture(self) -> Picture:
        if self.key is not None:
            return stored_picture(self.key, self.width, self.height, list(self.widths))
        return static_picture(self.path or "", *ProductImage.STATIC_SIZE)


@dataclass(frozen=True)
class CartLineView:
    line_id: int
    product: CartProduct
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    max_quantity: int
    purchasable: bool
    notices: tuple[str, ...]
    source_article_id: int | None = None
    photo: LinePhoto | None = None  # the product's first photo

    @property
    def picture(self) -> Picture | None:
        # Built when the page is drawn: a picture's addresses need the request.
        return self.photo.picture if self.photo is not None else None


@dataclass(frozen=True)
class CartView:
    """What the cart page and the mini-cart show; ready values, no logic left for templates."""

    lines: tuple[CartLineView, ...] = ()
    currency: str = "usd"
    notices: tuple[str, ...] = field(default=())

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines if line.purchasable)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines if line.purchasable)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def can_checkout(self) -> bool:
        return bool(self.lines) and all(line.purchasable for line in self.lines)

def new_cart_token() -> str:
    return secrets.token_urlsafe(24)


def available_to_cart(product: Product | CartProduct, held: int = 0) -> int | None:
    """Units this cart may have: the shelf, plus what its own unpaid checkout holds (a
    shopper who pressed Back on Stripe's page must not find their cart "sold out" by
    their own reservation). None when stock is not tracked."""
    return None if product.stock is None else product.stock + held


def line_limit(product: Product | CartProduct, max_per_line: int, held: int = 0) -> int:
    """The most of this product one cart line may hold right now."""
    available = available_to_cart(product, held)
    return max_per_line if available is None else min(max_per_line, available)


def lock_cart(token: str | None) -> Cart | None:
    """The cart with this token under a row lock, for a write that reads it first."""
    return _get_cart(token, lock=True)


def _get_cart(token: str | None, *, lock: bool = False) -> Cart | None:
    if not token:
        return None
    query = select(Cart).where(Cart.token == token)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def _check_quantity(product: Product | CartProduct, quantity: int, max_per_line: int, held: int = 0,
                    cart_token: str | None = None) -> None:
    if quantity < 1:
        raise InvalidQuantity("Please choose a quantity of at least 1.")
    available = available_to_cart(product, held)
    if available is not None and available <= 0:
        raise NotEnoughStock(_with_held_note(f"Sorry, the {product.name} is out of stock.", product, cart_token))
    if quantity > line_limit(product, max_per_line, held):
        if available is not None and available < max_per_line:
            raise NotEnoughStock(_with_held_note(
                f"We have only {available} of the {product.name} left, so your cart can hold up to {available}.",
                product, cart_token))
        raise InvalidQuantity(f"You can buy up to {max_per_line} of the {product.name} in one order.")


def _with_held_note(message: str, product: Product | CartProduct, cart_token: str | None) -> str:
    note = held_elsewhere_note(units_of_product_held_by_other_carts(cart_token, product.id))
    return f"{message} {note}" if note else message


# The statements of an add, built once (building one costs about what running it does).
_carts, _lines, _products = Cart.__table__, CartLine.__table__, Product.__table__


_PRODUCT_TO_ADD = select(_products.c.id, _products.c.name, _products.c.price_cents, _products.c.stock,
                         _products.c.kind).where(_products.c.slug == bindparam("slug"), _products.c.active.is_(True))
_CART_TO_ADD_TO = select(_carts.c.id, _carts.c.token).where(_carts.c.token == bindparam("token")).with_for_update()
_LINE_OF_PRODUCT = select(_lines.c.id, _lines.c.quantity).where(
    _lines.c.cart_id == bindparam("cart_id"), _lines.c.product_id == bindparam("product_id"))
_LINES_IN_CART = select(func.count()).where(_lines.c.cart_id == bindparam("cart_id"))
_NEW_CART = insert(_carts).returning(_carts.c.id)
_NEW_LINE = insert(_lines)
_MORE_OF_LINE = update(_lines).where(_lines.c.id == bindparam("line_id")).values(
    quantity=bindparam("new_quantity"), price_seen_cents=bindparam("price"))
_CART_TOUCHED = update(_carts).where(_carts.c.id == bindparam("cart_id")).values(
    updated_at=bindparam("now", type_=UTCDateTime()))


def _product_to_add(connection: Connection, slug: str) -> CartProduct:
    """The active product with this slug as the cart needs it, or ProductNotFound."""
    row = connection.execute(_PRODUCT_TO_ADD, {"slug": slug}).first()
    if row is None:
        raise ProductNotFound(slug)
    product_id, name, price_cents, stock, kind = row
    return CartProduct(product_id, slug, name, price_cents, stock, True, kind == ProductKind.DIGITAL)


def add_to_cart(token: str | None, product_slug: str, quantity: int, max_per_line: int, *,
                from_article: str | None = None, _retried: bool = False) -> str:
    """Add `quantity` of a product, merging with a line already in the cart.

    Creates the cart when there is none and returns its token (to be set in the cookie).
    Refuses inactive or unknown products, and totals above the line limit or the stock.
    `from_article` (a slug) records which article's card it came from; an unknown one is
    ignored, never refused: it only feeds the owner's figures.

    Plain statements, not the ORM's unit of work: this is the shop's busiest write (every
    new visitor's first add makes a cart), and building, tracking and flushing objects cost
    more than the statements themselves.
    """
    try:
        if token is None:
            return _add_to_new_cart(product_slug, quantity, max_per_line, from_article)
        return _add(token, product_slug, quantity, max_per_line, from_article)
    except IntegrityError:
        # Two adds of one product to one cart raced (a double click) and the other request
        # created the line first: once more, and this time the line is found and merged.
        db.session.rollback()
        if _retried:
            raise Conflict("Please try that again.") from None
        return add_to_cart(token, product_slug, quantity, max_per_line, from_article=from_article, _retried=True)


def _add(token: str | None, product_slug: str, quantity: int, max_per_line: int, from_article: str | None) -> str:
    begin_write()
    connection = db.session.connection()  # the write transaction's
    product = _product_to_add(connection, product_slug)
    now = utcnow()
    cart = connection.execute(_CART_TO_ADD_TO, {"token": token}).first() if token else None
    line = None
    if cart is not None:
        line = connection.execute(_LINE_OF_PRODUCT, {"cart_id": cart.id, "product_id": product.id}).first()
    held = units_of_product_held_by_cart(token, product.id) if cart is not None else 0
    if line is None:
        _check_quantity(product, quantity, max_per_line, held, token)
        if cart is None:  # a new visitor's first add: their cart is made with it
            cart_token = new_cart_token()
            cart_id = connection.execute(_NEW_CART, {"token": cart_token, "created_at": now,
                                                     "updated_at": now}).scalar_one()
        else:
            cart_token, cart_id = cart.token, cart.id
            if connection.scalar(_LINES_IN_CART, {"cart_id": cart_id}) >= MAX_LINES:
                raise CartFull(f"Your cart can hold up to {MAX_LINES} different products.")
        connection.execute(_NEW_LINE, {
            "cart_id": cart_id, "product_id": product.id, "quantity": quantity, "price_seen_cents": product.price_cents,
            "added_at": now, "source_article_id": public_article_id(from_article, now) if from_article else None})
    else:
        cart_token, cart_id = cart.token, cart.id
        _check_quantity(product, line.quantity + quantity, max_per_line, held, token)
        connection.execute(_MORE_OF_LINE, {"line_id": line.id, "new_quantity": line.quantity + quantity,
                                           "price": product.price_cents})
    if cart is not None:
        connection.execute(_CART_TOUCHED, {"cart_id": cart_id, "now": now})
    db.session.commit()
    return cart_token


# A new visitor's first add, the busiest write: the cart made with its line on the thread's
# own connection (QuickWrite), not in the session, and only if the product may go in it.
def _new_cart_with_line(value, dialect: str) -> list:
    """The cart and its line, written only where the active product with this slug has the
    quantity on the shelf (or does not track stock): the product read and the write are
    one statement, so on PostgreSQL the add is one round trip. The write's rows: the line's
    id, or none when the product may not go in (and nothing was written)."""
    now, token, quantity = value("now", UTCDateTime()), value("token", String()), value("quantity", Integer())
    may_go_in = (_products.c.slug == value("slug", String()), _products.c.active.is_(True),
                 or_(_products.c.stock.is_(None), _products.c.stock >= quantity))
    article_id = public_article_id_query(value("article", String()), now).scalar_subquery()
    line_columns = ["cart_id", "product_id", "quantity", "price_seen_cents", "added_at", "source_article_id"]
    cart_columns = ["token", "created_at", "updated_at"]
    if dialect == "sqlite":  # two statements in one transaction; the line finds its cart by token
        cart = insert(_carts).from_select(cart_columns, select(token, now, now).where(*may_go_in))
        line = select(_carts.c.id, _products.c.id, quantity, _products.c.price_cents, now, article_id).where(
            _carts.c.token == token, *may_go_in)
        return [cart, insert(_lines).from_select(line_columns, line).returning(_lines.c.id)]
    # PostgreSQL: one statement, the product read and the cart made in CTEs.
    product = select(_products.c.id, _products.c.price_cents).where(*may_go_in).cte("product")
    new_cart = insert(_carts).from_select(cart_columns, select(token, now, now).select_from(product)) \
        .returning(_carts.c.id).cte("new_cart")
    line = select(new_cart.c.id, product.c.id, quantity, product.c.price_cents, now, article_id)
    return [insert(_lines).from_select(line_columns, line).returning(_lines.c.id).add_cte(product, new_cart)]


_NEW_CART_WITH_LINE = QuickWrite(_new_cart_with_line)


def _add_to_new_cart(product_slug: str, quantity: int, max_per_line: int, from_article: str | None) -> str:
    """The same rules as _add for a visitor without a cart (nothing of theirs is held, no
    line to merge with), written outside the session. Anything refused goes to _add, which
    reads the product and says why (or adds it, if it came back on the shelf meanwhile)."""
    if db.session.registry.has():  # as begin_write does: reads after this one see what it wrote
        db.session.rollback()
    if 1 <= quantity <= max_per_line:
        token = new_cart_token()
        try:
            if _NEW_CART_WITH_LINE.run(token=token, now=utcnow(), slug=product_slug, quantity=quantity,
                                       article=from_article):
                return token
        except QuickWriteConflict:
            pass  # the product was deleted while the line was written
    return _add(None, product_slug, quantity, max_per_line, from_article)


def set_line_quantity(token: str | None, line_id: int, quantity: int, max_per_line: int) -> None:
    """Set a line's quantity; 0 removes the line. Only lines of this cart can be touched."""
    begin_write()
    cart, line = _own_line(token, line_id)
    if quantity == 0:
        db.session.delete(line)
    else:
        product = line.product
        if not product.active:
            raise NoLongerSold(f"Sorry, the {product.name} is no longer available. You can remove it from your cart.")
        _check_quantity(product, quantity, max_per_line, units_of_product_held_by_cart(token, product.id), token)
        line.quantity = quantity
        line.price_seen_cents = product.price_cents
    cart.updated_at = utcnow()
    db.session.commit()


def remove_line(token: str | None, line_id: int) -> None:
    begin_write()
    cart, line = _own_line(token, line_id)
    db.session.delete(line)
    cart.updated_at = utcnow()
    db.session.commit()


def _own_line(token: str | None, line_id: int) -> tuple[Cart, CartLine]:
    cart = _get_cart(token, lock=True)
    if cart is None:
        raise CartLineNotFound()
    line = db.session.scalar(select(CartLine).where(CartLine.id == line_id, CartLine.cart_id == cart.id))
    if line is None:
        raise CartLineNotFound()
    return cart, line


def empty_cart(token: str | None) -> None:
    """Remove every line (after an order is paid). Joins the caller's transaction."""
    cart = _get_cart(token)
    if cart is not None:
        db.session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
        cart.updated_at = utcnow()


def _cart_rows(token: ColumnElement) -> Select:
    """The cart's lines with what each needs to be shown and summed, in one query of plain
    columns (no objects to build): the product as it is now, the units this cart's own
    unpaid checkout holds and those other checkouts hold, and the first photo."""
    held = units_held_by_cart(token).subquery()
    elsewhere = units_held_by_other_carts(token).subquery()
    first_image = aliased(ProductImage)
    first_image_id = (
        select(ProductImage.id).where(ProductImage.product_id == CartLine.product_id)
        .order_by(ProductImage.position, ProductImage.id).limit(1).scalar_subquery()
    )
    return (
        select(CartLine.id, CartLine.quantity, CartLine.price_seen_cents, CartLine.source_article_id,
               Product.id, Product.slug, Product.name, Product.price_cents, Product.stock, Product.active,
               Product.kind, func.coalesce(held.c.held, 0), func.coalesce(elsewhere.c.held, 0),
               first_image.id, first_image.path, StoredImage.key, StoredImage.width, StoredImage.height,
               StoredImage.widths)
        .select_from(CartLine)
        .join(Cart, CartLine.cart_id == Cart.id)
        .join(Product, CartLine.product_id == Product.id)
        .outerjoin(held, held.c.product_id == CartLine.product_id)
        .outerjoin(elsewhere, elsewhere.c.product_id == CartLine.product_id)
        .outerjoin(first_image, first_image.id == first_image_id)
        .outerjoin(StoredImage, StoredImage.id == first_image.image_id)
        .where(Cart.token == token)
        .order_by(CartLine.id)
    )


# Built once: keying a new statement cost more than running it.
_CART_ROWS_IN_TRANSACTION = _cart_rows(bindparam("token"))
_CART_ROWS = QuickRead(_cart_rows)


def view_cart(token: str | None, currency: str, max_per_line: int) -> CartView:
    """The cart as it stands now, priced from the database, read in the caller's
    transaction (checkout holds the cart's lock while it reads): one query."""
    if not token:
        return CartView(currency=currency)
    rows = db.session.execute(_CART_ROWS_IN_TRANSACTION, {"token": token}).all()
    return CartView(lines=tuple(_line_view(row, currency, max_per_line) for row in rows), currency=currency)


def show_cart(token: str | None, currency: str, max_per_line: int, *,
              read: Callable[..., list[tuple]] | None = None) -> CartView:
    """The cart for its page: the same view as view_cart, read outside any transaction
    (the latest commit) on the driver's own connection (shop.database.QuickRead), because
    this page is drawn for the shopper every time; through `read(quick_read, *values)` when
    given, as mini_cart. Read-only: one query."""
    if not token:
        return CartView(currency=currency)
    values = (token, token, token)  # what its checkout holds, what others hold, the cart
    rows = read(_CART_ROWS, *values) if read is not None else _CART_ROWS.rows(*values)
    return CartView(lines=tuple(_line_view(row, currency, max_per_line) for row in rows), currency=currency)


def _why_not_purchasable(*, active: bool, stock: int | None, held: int, quantity: int, max_per_line: int) -> str | None:
    """Why a line cannot be checked out as it stands ("inactive", "sold out", "too few
    left", "too many"), or None when it can: the one rule the cart page and the mini-cart share."""
    available = None if stock is None else stock + held
    if not active:
        return "inactive"
    if available is not None and available <= 0:
        return "sold out"
    if available is not None and quantity > available:
        return "too few left"
    if quantity > max_per_line:
        return "too many"
    return None


def _line_view(row: Any, currency: str, max_per_line: int) -> CartLineView:
    (line_id, quantity, price_seen_cents, source_article_id, product_id, slug, name, price_cents, stock, active,
     kind, held, held_elsewhere, image_id, image_path, image_key, image_width, image_height, image_widths) = row
    # The same values from both reads: the driver's own (QuickRead) gives SQLite's booleans
    # as 0/1, enums as their text and JSON as text.
    product = CartProduct(product_id, slug, name, price_cents, stock, bool(active), kind == ProductKind.DIGITAL)
    if isinstance(image_widths, str):
        image_widths = json.loads(image_widths)
    available = available_to_cart(product, held)
    notices: list[str] = []
    problem = _why_not_purchasable(active=product.active, stock=stock, held=held, quantity=quantity,
                                   max_per_line=max_per_line)
    purchasable = problem is None
    if problem == "inactive":
        notices.append(f"The {name} is no longer sold. Please remove it to check out.")
    elif problem == "sold out":
        notices.append(f"The {name} is now out of stock. Please remove it to check out.")
    elif problem == "too few left":
        notices.append(f"Only {available} of the {name} are left. Please lower the quantity to check out.")
    elif problem == "too many":
        notices.append(f"You can buy up to {max_per_line} of the {name}. Please lower the quantity.")
    short_of_stock = available is not None and (available <= 0 or quantity > available)
    if product.active and short_of_stock and held_elsewhere:
        notices.append(held_elsewhere_note(held_elsewhere))
    if price_seen_cents != price_cents:
        notices.append(
            f"The price of the {name} changed from {format_money(price_seen_cents, currency)} "
            f"to {format_money(price_cents, currency)} since you added it. You will pay the new price."
        )
    return CartLineView(
        line_id=line_id,
        product=product,
        quantity=quantity,
        unit_price_cents=price_cents,
        line_total_cents=price_cents * quantity,
        max_quantity=max(line_limit(product, max_per_line, held), 1),
        purchasable=purchasable,
        notices=tuple(notices),
        source_article_id=source_article_id,
        photo=None if image_id is None else LinePhoto(image_path, image_key, image_width or 0, image_height or 0,
                                                       tuple(image_widths or ())),
    )


@dataclass(frozen=True)
class MiniCart:
    """The header's summary of the cart: what CartView's item_count and subtotal say."""

    item_count: int = 0
    subtotal_cents: int = 0
    currency: str = "usd"
    holds_stock: bool = False


def _mini_cart_lines(token: ColumnElement) -> Select:
    held = units_held_by_cart(token).subquery()
    return (
        select(CartLine.quantity, Product.price_cents, Product.active, Product.stock, func.coalesce(held.c.held, 0))
        .join(Cart, CartLine.cart_id == Cart.id)
        .join(Product, CartLine.product_id == Product.id)
        .outerjoin(held, held.c.product_id == CartLine.product_id)
        .where(Cart.token == token)
    )


_MINI_CART_LINES = QuickRead(_mini_cart_lines)


def mini_cart(token: str | None, currency: str, max_per_line: int, *,
              read: Callable[..., list[tuple]] | None = None) -> MiniCart:
    """The cart's summary for the header of a cached page, in one plain query (no objects,
    no session: shop.database.QuickRead), the only work such a page does for a visitor with
    a cart. `read(quick_read, *values)` runs it, when given (the page cache reads its
    version in the same statement). Read-only."""
    if not token:
        return MiniCart(currency=currency)
    # The token twice: the cart, and what its checkout holds.
    rows = read(_MINI_CART_LINES, token, token) if read is not None else _MINI_CART_LINES.rows(token, token)
    count = subtotal = 0
    for quantity, price_cents, active, stock, held_units in rows:
        if _why_not_purchasable(active=active, stock=stock, held=held_units, quantity=quantity,
                                max_per_line=max_per_line) is None:
            count += quantity
            subtotal += price_cents * quantity
    return MiniCart(count, subtotal, currency, holds_stock=any(row[4] for row in rows))


def purge_carts(older_than: timedelta, *, include_abandoned: bool = False, now: datetime | None = None) -> int:
    """Delete carts untouched for `older_than`: empty ones, and with `include_abandoned`
    also those still holding lines (staff may want to see abandoned carts first)."""
    begin_write()
    cutoff = (now or utcnow()) - older_than
    query = delete(Cart).where(Cart.updated_at < cutoff)
    if not include_abandoned:
        query = query.where(~exists().where(CartLine.cart_id == Cart.id))
    # Lines go with their cart: ON DELETE CASCADE (SQLite enforces it with foreign_keys=ON).
    removed = db.session.execute(query).rowcount
    db.session.commit()
    return removed
