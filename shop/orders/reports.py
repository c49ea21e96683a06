"""The owner's figures from orders: sales and refunds by hour, best-selling products and the
articles that led to sales. Each is one aggregate query whose size is bounded by time or a
limit, never by how many orders there are."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import and_, distinct, func, select

from shop.content.models import Article
from shop.database import hour_of, parse_hour
from shop.extensions import db
from shop.orders.models import LIVE_REFUND_STATUSES, PAID_STATES, Order, OrderLine, OrderRefund

# Refunds that have left the shop (or are on their way): a failed or cancelled one gave the money back.
COUNTED_REFUNDS = tuple(status for status in LIVE_REFUND_STATUSES if status != "requires_action")


@dataclass(frozen=True)
class HourOfSales:
    hour: datetime  # UTC, the start of the hour
    orders: int
    revenue_cents: int
    refunds_cents: int


def sales_by_hour(since: datetime, until: datetime, currency: str) -> list[HourOfSales]:
    """Paid orders (by when they were paid) and refunds (by when Stripe made them), per
    UTC hour in [since, until). Two grouped queries; at most one row per hour each."""
    paid_hour = hour_of(Order.paid_at)
    sales = db.session.execute(
        select(paid_hour, func.count(Order.id), func.sum(Order.total_cents))
        .where(Order.status.in_(PAID_STATES), Order.currency == currency, Order.paid_at >= since, Order.paid_at < until)
        .group_by(paid_hour)
    ).all()
    refund_hour = hour_of(OrderRefund.created_at)
    refunds = db.session.execute(
        select(refund_hour, func.sum(OrderRefund.amount_cents))
        .join(Order, Order.id == OrderRefund.order_id)
        .where(OrderRefund.status.in_(COUNTED_REFUNDS), Order.currency == currency,
               OrderRefund.created_at >= since, OrderRefund.created_at < until)
        .group_by(refund_hour)
    ).all()
    hours: dict[str, list[int]] = {}
    for hour, count, revenue in sales:
        hours.setdefault(hour, [0, 0, 0])[:2] = [count, int(revenue or 0)]
    for hour, refunded in refunds:
        hours.setdefault(hour, [0, 0, 0])[2] = int(refunded or 0)
    return sorted((HourOfSales(parse_hour(hour), *figures) for hour, figures in hours.items()), key=lambda h: h.hour)


@dataclass(frozen=True)
class TopSeller:
    name: str
    units: int
    revenue_cents: int


def top_products(since: datetime, until: datetime, currency: str, limit: int = 5) -> list[TopSeller]:
    """Products by revenue from paid orders in the period, as they were named when sold."""
    revenue = func.sum(OrderLine.unit_price_cents * OrderLine.quantity)
    rows = db.session.execute(
        select(OrderLine.sku, func.max(OrderLine.product_name), func.sum(OrderLine.quantity), revenue)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(PAID_STATES), Order.currency == currency, Order.paid_at >= since, Order.paid_at < until)
        .group_by(OrderLine.sku)
        .order_by(revenue.desc(), OrderLine.sku)
        .limit(limit)
    ).all()
    return [TopSeller(name, int(units), int(cents)) for _, name, units, cents in rows]


@dataclass(frozen=True)
class TopArticle:
    title: str
    slug: str
    orders: int
    revenue_cents: int


def top_articles(since: datetime, until: datetime, currency: str, limit: int = 5) -> list[TopArticle]:
    """Articles by the paid orders whose lines were added from their product cards."""
    revenue = func.sum(OrderLine.unit_price_cents * OrderLine.quantity)
    rows = db.session.execute(
        select(Article.title, Article.slug, func.count(distinct(Order.id)), revenue)
        .join(OrderLine, OrderLine.source_article_id == Article.id)
        .join(Order, and_(Order.id == OrderLine.order_id, Order.status.in_(PAID_STATES)))
        .where(Order.currency == currency, Order.paid_at >= since, Order.paid_at < until)
        .group_by(Article.id, Article.title, Article.slug)
        .order_by(revenue.desc(), Article.slug)
        .limit(limit)
    ).all()
    return [TopArticle(title, slug, int(count), int(cents)) for title, slug, count, cents in rows]


SALES_COLUMNS = (
    "order_number", "paid_at", "status", "currency", "sku", "product", "unit_price_cents", "quantity",
    "line_total_cents", "order_subtotal_cents", "order_shipping_cents", "order_tax_cents", "order_discount_cents",
    "order_total_cents", "order_refunded_cents",
)


def sales_lines(since: datetime, until: datetime, currency: str, zone: tzinfo) -> Iterator[tuple]:
    """One row per line of every order paid in [since, until), oldest first, with the
    order's own shipping, tax, discount and refunds on each of its lines (Stripe reports
    tax and refunds per order, not per line). Streamed from the database in batches."""
    rows = db.session.execute(
        select(Order.number, Order.paid_at, Order.status, Order.currency, OrderLine.sku, OrderLine.product_name,
               OrderLine.unit_price_cents, OrderLine.quantity, Order.subtotal_cents, Order.shipping_cents,
               Order.tax_cents, Order.discount_cents, Order.total_cents, Order.amount_refunded_cents)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.status.in_(PAID_STATES), Order.currency == currency, Order.paid_at >= since, Order.paid_at < until)
        .order_by(Order.paid_at, Order.id, OrderLine.id)
        .execution_options(yield_per=500)
    )
    for (number, paid_at, status, row_currency, sku, name, unit, quantity, subtotal, shipping, tax, discount, total,
         refunded) in rows:
        yield (number, paid_at.astimezone(zone).isoformat(timespec="seconds"), status.value, row_currency.upper(), sku, name, unit, quantity,
               unit * quantity, subtotal, shipping, tax, discount, total, refunded)
