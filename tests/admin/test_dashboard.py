"""The owner's dashboard: figures by the shop's own days, a chart that is also a table,
what needs doing for each role, and a query count that does not grow with the orders."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from shop.accounts.models import StaffRole
from shop.extensions import db
from shop.orders.models import EventKind, Order, OrderLine, OrderRefund, OrderStatus
from tests.factories import STAFF_EMAIL, make_article, make_product, make_staff
from tests.support.html import page_text
from tests.support.shopper import log_in

# 10:00 in New York on a Friday: "today" there began at 05:00 UTC.
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def app_config():
    return {"SHOP_TIMEZONE": "America/New_York"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def paid_order(paid_at: datetime, total: int, lines: list[tuple[str, int, int]] = (), *, status=OrderStatus.PAID,
               refunds: list[tuple[datetime, int, str]] = (), source_article_id: int | None = None) -> Order:
    """An order paid at `paid_at`; lines are (sku, unit price, quantity); refunds (when, amount, status)."""
    lines = lines or [("GRIP", total, 1)]
    order = Order(currency="usd", status=status, subtotal_cents=total, total_cents=total, paid_at=paid_at,
                  created_at=paid_at, email="shopper@example.com",
                  lines=[OrderLine(product_name=f"Product {sku}", sku=sku, unit_price_cents=price, quantity=quantity,
                                   source_article_id=source_article_id) for sku, price, quantity in lines])
    order.record(EventKind.STATUS, source="test", message="paid", from_status=OrderStatus.PENDING, to_status=status)
    db.session.add(order)
    db.session.flush()
    for i, (when, amount, refund_status) in enumerate(refunds):
        db.session.add(OrderRefund(order_id=order.id, stripe_refund_id=f"re_{order.number}_{i}", amount_cents=amount,
                                   status=refund_status, created_at=when))
    db.session.commit()
    return order


@pytest.fixture
def owner_client(client):
    make_staff(role=StaffRole.OWNER)
    log_in(client, STAFF_EMAIL)
    return client


def test_figures_match_a_hand_counted_set_of_orders(frozen, owner_client):
    today_9am = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)  # 09:00 New York
    paid_order(today_9am, 10000, refunds=[(today_9am + timedelta(hours=1), 2500, "succeeded"),
                                          (today_9am + timedelta(hours=2), 500, "failed")])
    paid_order(datetime(2026, 11, 20, 4, 30, tzinfo=timezone.utc), 5000)  # 23:30 yesterday in New York
    paid_order(NOW - timedelta(days=6), 3000, status=OrderStatus.SHIPPED)
    paid_order(NOW - timedelta(days=10), 7000, status=OrderStatus.REFUNDED,
               refunds=[(NOW - timedelta(days=8), 7000, "succeeded")])
    paid_order(NOW - timedelta(days=40), 9999)  # before the 30 days
    pending = Order(currency="usd", status=OrderStatus.PENDING, subtotal_cents=1234, total_cents=1234)
    db.session.add(pending)
    db.session.commit()

    text = page_text(owner_client.get("/admin"))

    assert "Today 1 $100.00 $25.00 $100.00" in text
    assert "Last 7 days 3 $180.00 $25.00 $60.00" in text
    assert "Last 30 days 4 $250.00 $95.00 $62.50" in text


def test_the_chart_parses_as_svg_and_says_what_its_table_says(frozen, owner_client):
    paid_order(datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc), 10000)
    paid_order(datetime(2026, 11, 18, 20, 0, tzinfo=timezone.utc), 2500)
    paid_order(datetime(2026, 11, 18, 21, 0, tzinfo=timezone.utc), 2500)
    html = owner_client.get("/admin").get_data(as_text=True)

    svg = ET.fromstring(re.search(r"<svg class=\"revenue-chart\".*?</svg>", html, re.S).group(0))
    assert svg.find(f"{SVG}title").text.startswith("Revenue and orders each day, 22 October to 20 November")
    assert "$100.00" in svg.find(f"{SVG}desc").text
    bars = svg.findall(f"{SVG}rect")
    assert len(bars) == 30 and len(svg.find(f"{SVG}polyline").get("points").split()) == 30
    told = [bar.find(f"{SVG}title").text for bar in bars]
    assert told[-1] == "20 November: $100.00, 1 orders" and told[-3] == "18 November: $50.00, 2 orders"
    tallest = max(bars, key=lambda bar: float(bar.get("height")))
    assert tallest.find(f"{SVG}title").text.startswith("20 November")

    table = re.search(r"<summary>The numbers behind the chart.*?</table>", html, re.S).group(0)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(\d+)</td><td>(.*?)</td>", table)
    assert len(rows) == 30
    assert rows[-1] == ("20 November 2026", "1", "$100.00") and rows[-3] == ("18 November 2026", "2", "$50.00")
    assert [f"{day.split(' 2026')[0]}: {money}, {orders} orders" for day, orders, money in rows] == told


def test_top_products_and_the_articles_that_sold_them(frozen, owner_client):
    article = make_article(title="Hand exercises at home")
    paid_order(NOW - timedelta(days=1), 6000, [("BANDS", 2000, 3)], source_article_id=article.id)
    paid_order(NOW - timedelta(days=2), 29900, [("TRAINER", 29900, 1)])
    paid_order(NOW - timedelta(days=3), 2000, [("BANDS", 2000, 1)], source_article_id=article.id)
    text = page_text(owner_client.get("/admin"))
    assert "Product TRAINER: 1 sold, $299.00 Product BANDS: 4 sold, $80.00" in text
    assert re.search(r"Hand exercises at home ?: 2 orders, \$80\.00", text)


def test_what_needs_doing_lists_low_stock_and_stale_medical_reviews(frozen, owner_client):
    make_product(name="Grip ball", stock=2)
    make_product(name="Plenty", stock=50)
    make_article(title="Old review", reviewed_on=date(2025, 10, 1))
    make_article(title="Fresh review", reviewed_on=date(2026, 6, 1))
    text = page_text(owner_client.get("/admin"))
    assert "Grip ball: Only 2 left" in text and "Plenty" not in text.split("Running low")[1].split("Articles due")[0]
    assert "Old review: last reviewed 1 October 2025" in text and "Fresh review: last reviewed" not in text


@pytest.mark.parametrize("role", [StaffRole.EDITOR, StaffRole.FULFILMENT])
def test_only_the_owner_sees_the_money(frozen, client, role):
    paid_order(NOW - timedelta(hours=1), 10000)
    make_staff(role=role)
    log_in(client, STAFF_EMAIL)
    text = page_text(client.get("/admin"))
    assert "How the shop is doing" not in text and "$100.00" not in text


def _bulk_orders(count: int) -> None:
    """`count` paid orders with a line each, spread over 60 days, inserted in bulk."""
    start = db.session.scalar(sa.select(sa.func.count(Order.id)))
    rows = [{"number": f"SH-BULK{start + i:06d}", "status": OrderStatus.PAID, "stock_state": "sold", "currency": "usd",
             "subtotal_cents": 1000 + i % 7, "shipping_cents": 0, "tax_cents": 0, "discount_cents": 0,
             "total_cents": 1000 + i % 7, "amount_refunded_cents": 0, "needs_review": False,
             "created_at": NOW - timedelta(minutes=13 * i % 86400), "updated_at": NOW,
             "paid_at": NOW - timedelta(minutes=(13 * i) % 86400)} for i in range(count)]
    db.session.execute(sa.insert(Order), rows)
    ids = db.session.scalars(sa.select(Order.id).where(Order.number.like("SH-BULK%"))).all()
    db.session.execute(sa.insert(OrderLine), [
        {"order_id": order_id, "product_name": f"Product {order_id % 9}", "sku": f"SKU-{order_id % 9}",
         "unit_price_cents": 1000, "quantity": 1, "stock_tracked": True} for order_id in ids[-count:]])
    db.session.commit()


@pytest.mark.slow
def test_dashboard_queries_do_not_grow_with_the_orders(frozen, owner_client, count_queries):
    def queries_with(total: int) -> int:
        _bulk_orders(total - db.session.scalar(sa.select(sa.func.count(Order.id))))
        with count_queries() as queries:
            assert owner_client.get("/admin").status_code == 200
        return len(queries)

    assert queries_with(10) == queries_with(10_000)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_sales_csv_has_a_row_per_line_in_the_chosen_local_days(frozen, owner_client):
    paid_order(datetime(2026, 11, 20, 4, 30, tzinfo=timezone.utc), 7000,  # 23:30 on the 19th in New York
               [("TRAINER", 5000, 1), ("=HYPERLINK(\"http://evil\")", 1000, 2)],
               refunds=[(NOW, 1000, "succeeded")])
    paid_order(datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc), 2000)  # the 20th: outside the range
    db.session.execute(sa.update(Order).values(tax_cents=350, amount_refunded_cents=1000)
                       .where(Order.total_cents == 7000))
    db.session.commit()

    rows = _csv(owner_client.get("/admin/reports/sales.csv?start=2026-11-19&end=2026-11-19"))

    assert rows[0][:3] == ["order_number", "paid_at", "status"] and len(rows) == 3
    assert rows[1][1] == "2026-11-19T23:30:00-05:00" and rows[1][4:9] == ["TRAINER", "Product TRAINER", "5000", "1", "5000"]
    # A cell a spreadsheet would run as a formula is defused; the same text inside a cell is harmless.
    assert rows[2][4] == "'=HYPERLINK(\"http://evil\")" and rows[2][5] == 'Product =HYPERLINK("http://evil")'
    assert rows[2][6:9] == ["1000", "2", "2000"] and rows[2][11] == "350" and rows[2][14] == "1000"


@pytest.mark.parametrize("query", ["", "start=2026-11-20", "start=2026-11-20&end=2026-11-01", "start=soon&end=later",
                                   "start=2024-01-01&end=2026-01-01"])
def test_sales_csv_with_bad_dates_says_what_to_fix(frozen, owner_client, query):
    response = owner_client.get(f"/admin/reports/sales.csv?{query}")
    assert response.status_code == 400 and "Download the sales" in page_text(response)
    # A NUL byte never reaches the form: every request with one is refused first.
    assert owner_client.get("/admin/reports/sales.csv?start=2026-11-01%00&end=2026-11-02").status_code == 400
