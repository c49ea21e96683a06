"""Sending paid orders on their way."""
from __future__ import annotations

from shop.audit.services import Actor, record_change
from shop.database import write_transaction
from shop.errors import Conflict
from shop.orders.models import OrderStatus
from shop.orders.services import locked_order

# Paid and not yet on its way: what the packing table works from.
TO_SHIP = (OrderStatus.PAID, OrderStatus.FULFILLED)


def mark_shipped(number: str, *, actor: Actor) -> bool:
    """Paid or fulfilled -> shipped. Returns False when it was already shipped (a second
    press changes nothing); raises Conflict for any other state. Transactional."""
    with write_transaction():
        order = locked_order(number)
        if order.status is OrderStatus.SHIPPED:
            return False
        if not order.can_move_to(OrderStatus.SHIPPED):
            raise Conflict(f"Order {order.number} is {order.status.value.replace('_', ' ')}, so it can't be marked "
                           "shipped. Only paid orders can be shipped. Nothing was changed.")
        record_change(actor, "order.shipped", "order", order.number,
                      changes={"status": (order.status, OrderStatus.SHIPPED)})
        order.transition_to(OrderStatus.SHIPPED, source=actor.source, message="Marked shipped by staff")
    return True
