"""The emails an order sends. Written to the outbox inside the order's transaction."""
from __future__ import annotations

from flask import current_app, render_template

from shop.orders.models import Order
from shop.outbox.services import queue_email


def queue_order_confirmation(order: Order) -> None:
    context = {"order": order, "shop_name": current_app.config["SHOP_NAME"],
               "support_email": current_app.config["SHOP_SUPPORT_EMAIL"]}
    queue_email(
        dedupe_key=f"order-confirmation:{order.number}",
        to=order.email,
        subject=f"Your order {order.number} is confirmed",
        text=render_template("emails/order_confirmation.txt", **context),
        html=render_template("emails/order_confirmation.html", **context),
    )
