"""The staff area at /admin: the blueprint (shop/admin/access.py, with its guard), the
staff home page and the template filters; each area's pages are in their own module."""
from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from shop.admin import (  # noqa: F401  (their routes register on the blueprint)
    account,
    articles,
    audit,
    dashboard,
    orders,
    policies,
    products,
    reports,
    staff_accounts,
    stories,
    subscribers,
)
from shop.admin.access import allowed_roles, bp
from shop.admin.labels import STATUS_LABELS, staff_time
from shop.orders.models import OrderStatus

# The staff menu: (label, endpoint, other endpoints that belong to the same area).
MENU = [
    ("Staff home", "admin.dashboard", ()),
    ("Orders", "admin.order_list", ("admin.order_detail",)),
    ("Products", "admin.product_list", ("admin.new_product", "admin.edit_product")),
    ("Stories", "admin.story_list", ("admin.new_story", "admin.edit_story")),
    ("Stories to review", "admin.story_queue", ()),
    ("Articles", "admin.article_list", ("admin.new_article", "admin.edit_article", "admin.author_list",
                                        "admin.new_author", "admin.edit_author", "admin.category_list",
                                        "admin.new_category", "admin.edit_category")),
    ("Policy pages", "admin.policy_list", ("admin.policy_edit",)),
    ("Subscribers", "admin.subscriber_list", ("admin.erase_subscriber_page",)),
    ("Staff accounts", "admin.staff_list", ("admin.new_staff",)),
    ("Audit log", "admin.audit_log", ()),
    ("Your password", "admin.change_password", ()),
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


@bp.app_template_filter("audit_value")
def audit_value(value: object) -> str:
    """A before or after value in plain words: yes/no, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


bp.add_app_template_filter(staff_time, "staff_time")
