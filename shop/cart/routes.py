from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from shop.cart import services
from shop.cart.cookie import current_cart_token, remember_cart
from shop.cart.forms import parse_quantity

bp = Blueprint("cart", __name__)


def _max_per_line() -> int:
    return current_app.config["CART_MAX_QUANTITY"]


def _back_to(target: str | None) -> str:
    """A page on this site to return to after adding; never another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("cart.show")


def current_cart_view() -> services.CartView:
    """This request's cart, loaded at most once (the page and the header share it)."""
    if "cart_view" not in g:
        g.cart_view = services.view_cart(current_cart_token(), current_app.config["SHOP_CURRENCY"], _max_per_line())
    return g.cart_view


class _MiniCart:
    """Loads the cart only if a template reads it (error pages for bots need not)."""

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(current_cart_view(), name)


@bp.app_context_processor
def mini_cart_context():
    return {"mini_cart": _MiniCart()}


@bp.get("/cart")
def show():
    return render_template("cart/cart.html", cart=current_cart_view())


@bp.post("/cart/items")
def add_item():
    slug = request.form.get("product", "").strip()
    if not slug:
        abort(400, "Please choose a product to add.")
    try:
        quantity = parse_quantity(request.form.get("quantity"), default=1, allow_zero=False, max_quantity=_max_per_line())
        token = services.add_to_cart(current_cart_token(), slug, quantity, _max_per_line())
    except services.NotEnoughStock as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("cart.show"), code=303)
    except services.CartError as refusal:
        abort(refusal.status, refusal.message)
    flash("Added to your cart.", "success")
    return remember_cart(redirect(_back_to(request.form.get("next")), code=303), token)


@bp.post("/cart/items/<int:line_id>")
def update_item(line_id: int):
    try:
        quantity = parse_quantity(request.form.get("quantity"), default=None, allow_zero=True, max_quantity=_max_per_line())
        services.set_line_quantity(current_cart_token(), line_id, quantity, _max_per_line())
    except (services.NotEnoughStock, services.ProductUnavailable) as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("cart.show"), code=303)
    except services.CartError as refusal:
        abort(refusal.status, refusal.message)
    flash("Your cart is updated." if quantity else "Removed from your cart.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/cart/items/<int:line_id>/delete")
def remove_item(line_id: int):
    try:
        services.remove_line(current_cart_token(), line_id)
    except services.CartError as refusal:
        abort(refusal.status, refusal.message)
    flash("Removed from your cart.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.cli.command("purge")
@click.option("--older-than", default="30d", show_default=True, help="Age such as 30d or 12h.")
@click.option("--include-abandoned", is_flag=True, help="Also delete carts that still hold products.")
def purge_command(older_than: str, include_abandoned: bool) -> None:
    """Delete carts nobody has touched for a while (empty ones unless --include-abandoned)."""
    from datetime import timedelta

    unit = older_than[-1:]
    amount = older_than[:-1]
    if unit not in {"d", "h"} or not amount.isdigit():
        raise click.BadParameter("use a number of days or hours, such as 30d or 12h", param_hint="--older-than")
    age = timedelta(days=int(amount)) if unit == "d" else timedelta(hours=int(amount))
    removed = services.purge_carts(age, include_abandoned=include_abandoned)
    click.echo(f"carts: {removed} removed")
