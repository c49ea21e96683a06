"""The staff home page: what is waiting for each role, and for the owner the shop's figures
(today, the last 7 and 30 days, a chart of the last 30 days, top products and articles).

Figures come from a few aggregate queries grouped by UTC hour (shop/orders/reports.py);
the hours are gathered into the shop's own local days here (SHOP_TIMEZONE), so the count
of queries never grows with the number of orders.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, url_for
from flask_login import current_user

from shop.admin.access import EDITOR, FULFILMENT, OWNER, allowed_roles, bp, roles_allowed
from shop.admin.forms import SalesExportForm
from shop.admin.labels import DISPUTED, NEEDS_REVIEW, staff_time
from shop.catalog.services import low_stock_products
from shop.content.services import articles_due_for_review
from shop.database import utcnow
from shop.money import format_money
from shop.orders import reports, staff
from shop.testimonials import services as stories

DAYS = 30


@dataclass(frozen=True)
class DayFigures:
    day: date
    orders: int = 0
    revenue_cents: int = 0
    refunds_cents: int = 0


@dataclass(frozen=True)
class Period:
    label: str
    orders: int
    revenue_cents: int
    refunds_cents: int

    @property
    def average_order_cents(self) -> int | None:
        return self.revenue_cents // self.orders if self.orders else None


def daily_figures(today: date, zone: ZoneInfo, currency: str) -> list[DayFigures]:
    """The last DAYS local days, oldest first, every day present (zero when nothing sold)."""
    first = today - timedelta(days=DAYS - 1)
    since = datetime.combine(first, time.min, zone)
    until = datetime.combine(today + timedelta(days=1), time.min, zone)
    totals: dict[date, list[int]] = {first + timedelta(days=i): [0, 0, 0] for i in range(DAYS)}
    for hour in reports.sales_by_hour(since, until, currency):
        day = totals[hour.hour.astimezone(zone).date()]
        day[0] += hour.orders
        day[1] += hour.revenue_cents
        day[2] += hour.refunds_cents
    return [DayFigures(day, *figures) for day, figures in totals.items()]


def periods(days: list[DayFigures]) -> list[Period]:
    def total(label: str, last: int) -> Period:
        chosen = days[-last:]
        return Period(label, sum(d.orders for d in chosen), sum(d.revenue_cents for d in chosen),
                      sum(d.refunds_cents for d in chosen))

    return [total("Today", 1), total("Last 7 days", 7), total(f"Last {DAYS} days", DAYS)]


# ---------------------------------------------------------------- the chart, drawn on the server

@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # what a pointer or a screen reader is told about this day


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    orders_points: str  # an SVG polyline's points
    top_revenue: str
    top_orders: int
    first_day: str
    last_day: str


def revenue_chart(days: list[DayFigures], currency: str, width: int = 720, height: int = 240) -> Chart:
    """Bars for each day's revenue and a line for each day's orders, scaled to the busiest day."""
    pad = 8
    plot_height = height - 2 * pad
    slot = (width - 2 * pad) / len(days)
    top_revenue = max(d.revenue_cents for d in days)
    top_orders = max(d.orders for d in days)
    bars, points = [], []
    for i, day in enumerate(days):
        bar_height = plot_height * day.revenue_cents / (top_revenue or 1)
        x = pad + i * slot
        label = f"{long_day(day.day)}: {format_money(day.revenue_cents, currency)}, {day.orders} orders"
        bars.append(Bar(round(x + slot * 0.15, 1), round(pad + plot_height - bar_height, 1), round(slot * 0.7, 1),
                        round(bar_height, 1), label))
        y = pad + plot_height - plot_height * day.orders / (top_orders or 1)
        points.append(f"{round(x + slot / 2, 1)},{round(y, 1)}")
    return Chart(width, height, bars, " ".join(points), format_money(top_revenue, currency), top_orders,
                 long_day(days[0].day), long_day(days[-1].day))


def long_day(day: date) -> str:
    return f"{day.day} {day:%B}"


# ---------------------------------------------------------------- the page

@bp.get("")
@roles_allowed(OWNER, EDITOR, FULFILMENT)
def dashboard():
    """What is waiting, as cards (heading, count, button, link, note) for the areas this role
    opens; the owner also gets the shop's figures."""
    config = current_app.config
    now = utcnow()
    cards = []
    if current_user.role in allowed_roles("admin.order_list"):
        counts = staff.work_counts()
        due = f"The next answer is due by {staff_time(counts.next_dispute_due)}." if counts.next_dispute_due else ""
        cards += [
            ("Orders that need review", counts.orders_to_review, "See orders to review",
             url_for("admin.order_list", status=NEEDS_REVIEW), ""),
            ("Paid orders to ship", counts.orders_to_ship, "See paid orders", url_for("admin.order_list", status="paid"), ""),
            ("Disputes to answer", counts.disputes_to_answer, "See disputed orders",
             url_for("admin.order_list", status=DISPUTED), due),
        ]
    if current_user.role in allowed_roles("admin.story_queue"):
        cards.append(("Stories waiting for review", stories.count_stories_to_review(), "Read the stories",
                      url_for("admin.story_queue"), ""))
    context = {"cards": cards}
    if current_user.role in (OWNER, EDITOR):
        context["low_stock"] = low_stock_products()
        context["due_for_review"] = articles_due_for_review(now)
    if current_user.role is OWNER:
        zone, currency = ZoneInfo(config["SHOP_TIMEZONE"]), config["SHOP_CURRENCY"]
        today = now.astimezone(zone).date()
        days = daily_figures(today, zone, currency)
        since = datetime.combine(today - timedelta(days=DAYS - 1), time.min, zone)
        context.update(
            periods=periods(days), days=days, chart=revenue_chart(days, currency), zone_name=config["SHOP_TIMEZONE"],
            top_products=reports.top_products(since, now, currency),
            top_articles=reports.top_articles(since, now, currency),
            sales_form=SalesExportForm(formdata=None, start=today.replace(day=1), end=today),
        )
    return render_template("admin/dashboard.html", **context)
