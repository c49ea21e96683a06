"""Orders as checkout and Stripe's webhook leave them, without going through Stripe."""
from __future__ import annotations

from typing import Any

from shop.database import utcnow
from shop.orders.models import EventKind, Order, OrderLine, OrderStatus
from tests.factories.base import finish, sequence


def make_order(*, status: OrderStatus = OrderStatus.PAID, lines: int = 1, commit: bool = True, **fields: Any) -> Order:
    n = next(sequence)
    values: dict[str, Any] = {
        "currency": "usd", "subtotal_cents": 1500 * lines, "shipping_cents": 500, "total_cents": 1500 * lines + 500,
        "email": f"shopper{n}@example.com", "shipping_name": f"Shopper {n}",
        "shipping_address": {"line1": "1 High Street", "city": "Springfield", "postal_code": "12345", "country": "US"},
        "stripe_session_id": f"cs_test_{n:08d}", "stripe_payment_intent_id": f"pi_test_{n:08d}",
    }
    values.update(fields)
    order = Order(**values, lines=[
        OrderLine(product_name=f"Grip ball {i}", sku=f"GRIP-{i}", unit_price_cents=1500, quantity=1) for i in range(lines)
    ])
    order.record(EventKind.CREATED, source="checkout", message="Order created from the cart; stock reserved")
    if status is not OrderStatus.PENDING:
        order.paid_at = utcnow() if status is not OrderStatus.EXPIRED else None
        order.record(EventKind.STATUS, source="stripe:evt_test", message="Payment received",
                     from_status=OrderStatus.PENDING, to_status=status)
    order.status = status
    return finish(order, commit)
