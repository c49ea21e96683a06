from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from shop.cart import services
from shop.cart.cookie import current_cart_token, remember_cart
from shop.cart.forms import parse_quantity
from shop.errors import ShopError
from shop.extensions import db, limiter
from shop.orders.services import OutOfStock
from shop.web import safe_next_path

bp = Blueprint("cart", __name__)


def _max_per_line() -> int:
    return current_app.config["CART_MAX_QUANTITY"]


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


def show_cart_with_notice(refusal: ShopError):
    """Refusals the shopper fixes in the cart (too few left, no longer sold) are shown as a
    notice on the cart page rather than as an error page. Checkout answers them alike."""
    db.session.rollback()
    flash(refusal.message, "error")
    return redirect(url_for("cart.show"), code=303)


bp.register_error_handler(services.CartNeedsChanges, show_cart_with_notice)
bp.register_error_handler(OutOfStock, show_cart_with_notice)


@bp.get("/cart")
def show():
    return render_template("cart/cart.html", cart=current_cart_view())


@bp.post("/cart/items")
@limiter.limit(lambda: current_app.config["CART_ADD_LIMIT_PER_CLIENT"])
def add_item():
    slug = request.form.get("product", "").strip()
    if not slug:
        raise ShopError("Please choose a product to add.")
    quantity = parse_quantity(request.form.get("quantity"), default=1, allow_zero=False, max_quantity=_max_per_line())
    token = services.add_to_cart(current_cart_token(), slug, quantity, _max_per_line(),
                                 from_article=request.form.get("article", "").strip()[:160] or None)
    flash("Added to your cart.", "success")
    back = safe_next_path(request.form.get("next"), url_for("cart.show"))
    return remember_cart(redirect(back, code=303), token)


@bp.post("/cart/items/<int:line_id>")
def update_item(line_id: int):
    quantity = parse_quantity(request.form.get("quantity"), default=None, allow_zero=True, max_quantity=_max_per_line())
    services.set_line_quantity(current_cart_token(), line_id, quantity, _max_per_line())
    flash("Your cart is updated." if quantity else "Removed from your cart.", "success")
    return redirect(url_for("cart.show"), code=303)


@bp.post("/cart/items/<int:line_id>/delete")
def remove_item(line_id: int):
    services.remove_line(current_cart_token(), line_id)
    flash("Removed from your cart.", "success")
    return redirect(url_for("cart.show"), code=303)
