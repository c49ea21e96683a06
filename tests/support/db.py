"""Reading what the database holds now, past the test's own transaction."""
from __future__ import annotations

import sqlalchemy as sa

from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus, StockState, StripeEvent
from shop.outbox.models import OutboxEmail


def fresh() -> None:
    """End the test's transaction: what other threads and requests wrote becomes visible."""
    db.session.rollback()


def reload(order: Order) -> Order:
    fresh()
    return db.session.get(Order, order.id)


def stock_of(product: Product) -> int | None:
    fresh()
    return db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))


def count(model, *where) -> int:
    fresh()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def outbox_count() -> int:
    return count(OutboxEmail)


def paid_transitions(order: Order) -> int:
    return count(OrderEvent, OrderEvent.order_id == order.id, OrderEvent.to_status == OrderStatus.PAID)


def stripe_event_rows() -> int:
    return count(StripeEvent)


def cart_lines(cart_token: str | None) -> list[tuple[int, int]]:
    """(product id, quantity) of each line of the cart, in order."""
    fresh()
    return list(db.session.execute(
        sa.select(CartLine.product_id, CartLine.quantity).join(Cart).where(Cart.token == cart_token).order_by(CartLine.id)
    ).tuples())


def nothing_happened(order: Order, trainer) -> None:
    """The pending order of 2 of 5 trainers is as checkout left it: no event was applied."""
    order = reload(order)
    assert order.status is OrderStatus.PENDING and not order.needs_review
    assert stock_of(trainer) == 3 and order.stock_state is StockState.RESERVED
    assert stripe_event_rows() == 0 and outbox_count() == 0
