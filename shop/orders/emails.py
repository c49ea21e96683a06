"""The emails an order sends, written to the outbox inside the transaction that caused
them. Each is keyed by what caused it, so queueing it twice is a no-op. Every one links
to the order's own page (a signed link, no login) and to the returns and terms pages.

| what happened                          | email                                   | key                              |
|----------------------------------------|-----------------------------------------|----------------------------------|
| paid (webhook, success page, reconcile)| confirmation, with each download link   | order-confirmation:<number>      |
| staff sent one or more parcels         | on its way, a tracking link per parcel  | shipped:<number>:<first parcel>  |
| a delayed (bank) payment failed        | the payment did not go through          | payment-failed:<number>          |
| Stripe's refunded total went up        | refund, full or part                    | refund:<number>:<refunded total> |
| a shopper asked for a fresh link       | the download link                       | download-link:<link>:<hour>      |
| a shopper asked for the order's link   | the order page link                     | order-link:<number>:<hour>       |
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app, render_template

from shop.orders import tokens
from shop.orders.models import DownloadLink, Order, OrderLine, OrderShipment
from shop.outbox.services import queue_email
from shop.web import public_url

if TYPE_CHECKING:  # pragma: no cover
    from shop.orders.downloads import LineDownload


def order_page_url(order: Order) -> str:
    return public_url("orders.order_page", number=order.number, token=tokens.order_page_token(order.number))


def _queue(key: str, order: Order, subject: str, template: str, **context: Any) -> None:
    if not order.email:
        return
    config = current_app.config
    context.update(
        order=order,
        shop_name=config["SHOP_NAME"],
        support_email=config["SHOP_SUPPORT_EMAIL"],
        order_url=order_page_url(order),
        returns_url=public_url("policies.policy_page", slug="returns"),
        terms_url=public_url("policies.policy_page", slug="terms"),
        return_window_days=config["RETURN_WINDOW_DAYS"],
    )
    queue_email(
        dedupe_key=key,
        to=order.email,
        subject=" ".join(subject.split()),  # a product name typed with a line break cannot add a header
        text=render_template(f"emails/{template}.txt", **context),
        html=render_template(f"emails/{template}.html", **context),
    )


def queue_order_confirmation(order: Order, downloads: Sequence["LineDownload"] = ()) -> None:
    _queue(f"order-confirmation:{order.number}", order, f"Your order {order.number} is confirmed",
           "order_confirmation", downloads=downloads)


def queue_parcels_shipped(order: Order, parcels: Sequence[OrderShipment]) -> None:
    earlier = len(order.shipments) > len(parcels)
    subject = (f"Another parcel of your order {order.number} is on its way" if earlier
               else f"Your order {order.number} is on its way")
    _queue(f"shipped:{order.number}:{parcels[0].id}", order, subject, "order_shipped", parcels=parcels, earlier=earlier)


def queue_payment_failed(order: Order) -> None:
    _queue(f"payment-failed:{order.number}", order, f"The payment for order {order.number} did not go through",
           "payment_failed")


def queue_refund(order: Order, *, refunded_cents: int, this_time_cents: int) -> None:
    full = refunded_cents >= order.total_cents
    subject = f"Your order {order.number} is refunded in full" if full else f"A refund for your order {order.number}"
    _queue(f"refund:{order.number}:{refunded_cents}", order, subject, "order_refunded",
           full=full, refunded_cents=refunded_cents, this_time_cents=this_time_cents)


def queue_download_link(order: Order, line: OrderLine, link: DownloadLink, now: datetime) -> None:
    url = public_url("orders.download_page", number=order.number, line_id=line.id,
                     token=tokens.download_token(link.id, line.id, order.number))
    # At most one email per link an hour, however often the button is pressed.
    _queue(f"download-link:{link.id}:{now:%Y%m%d%H}", order, f"Your download link for {line.product_name}",
           "download_link", line=line, link=link, download_url=url)


def queue_order_link(order: Order, now: datetime) -> None:
    # At most one an hour per order: the lookup form cannot be used to flood an inbox.
    _queue(f"order-link:{order.number}:{now:%Y%m%d%H}", order, f"The link to your order {order.number}", "order_link")
