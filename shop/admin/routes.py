"""The staff area at /admin: the blueprint (shop/admin/access.py, with its guard), the
staff home page and the template filters; each area's pages are in their own module."""
from __future__ import annotations

from datetime import datetime

from flask import render_template, request, url_for
from flask_login import current_user

from shop.admin import orders, policies, stories  # noqa: F401  (their routes register on the blueprint)
from shop.admin.access import EDITOR, FULFILMENT, OWNER, allowed_roles, bp, roles_allowed
from shop.admin.labels import DISPUTED, NEEDS_REVIEW, STATUS_LABELS
from shop.orders import staff
from shop.orders.models import OrderStatus
from shop.testimonials import services as stories_service

# The staff menu: (label, endpoint, other endpoints that belong to the same area).
MENU = [
    ("Staff home", "admin.dashboard", ()),
    ("Orders", "admin.order_list", ("admin.order_detail",)),
    ("Stories to review", "admin.story_queue", ()),
    ("Policy pages", "admin.policy_list", ("admin.policy_edit",)),
]


@bp.context_processor
def staff_menu():
    """The menu holds only the areas this person's role may open."""
    if not current_user.is_authenticated:
        return {"staff_menu": []}  # an error page before the guard ran (a bad CSRF token)
    here = request.endpoint
    return {"staff_menu": [
        (label, url_for(endpoint), here == endpoint or here in also)
        for label, endpoint, also in MENU if current_user.role in allowed_roles(endpoint)
    ]}


@bp.app_template_filter("order_status")
def order_status_label(status: OrderStatus | None) -> str:
    return STATUS_LABELS[status] if status else ""


@bp.app_template_filter("staff_time")
def staff_time(value: datetime | None) -> str:
    """5 March 2026, 14:05 UTC: every time in the staff area is in UTC, and says so."""
    return f"{value.day} {value:%B %Y, %H:%M} UTC" if value else ""


@bp.get("")
@roles_allowed(OWNER, EDITOR, FULFILMENT)
def dashboard():
    """What is waiting, as cards: (heading, count, button, link, note), only for areas this role opens."""
    cards = []
    if current_user.role in allowed_roles("admin.order_list"):
        counts = staff.work_counts()
        due = (f"The next answer is due by {staff_time(counts.next_dispute_due)}."
               if counts.next_dispute_due else "")
        cards += [
            ("Orders that need review", counts.orders_to_review, "See orders to review",
             url_for("admin.order_list", status=NEEDS_REVIEW), ""),
            ("Paid orders to ship", counts.orders_to_ship, "See paid orders",
             url_for("admin.order_list", status="paid"), ""),
            ("Disputes to answer", counts.disputes_to_answer, "See disputed orders",
             url_for("admin.order_list", status=DISPUTED), due),
        ]
    if current_user.role in allowed_roles("admin.story_queue"):
        cards.append(("Stories waiting for review", stories_service.count_stories_to_review(), "Read the stories",
                      url_for("admin.story_queue"), ""))
    return render_template("admin/dashboard.html", cards=cards)
