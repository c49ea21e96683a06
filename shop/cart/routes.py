from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, current_app, flash, g, redirect, request, url_for

from shop.caching import RENDER_FOR_VISITOR, QuickRows, fill_slot_with, render_framed
from shop.cart import services
from shop.cart.cookie import COOKIE_NAME, current_cart_token, remember_cart, token_from_cookie
from shop.cart.forms import parse_quantity
from shop.errors import ShopError
from shop.extensions import db, limiter
from shop.notices import notify
from shop.orders.services import OutOfStock
from shop.same_origin import shopper_form
from shop.web import drawn_once, field, safe_next_path

bp = Blueprint("cart", __name__)


def _max_per_line() -> int:
    return current_app.config["CART_MAX_QUANTITY"]


def current_cart_view(read: QuickRows | None = None) -> services.CartView:
    """This request's cart, loaded at most once (the page and the header share it), through
    `read` when given (render_framed's: the content version comes with it)."""
    if "cart_view" not in g:
        g.cart_view = services.show_cart(current_cart_token(), current_app.config["SHOP_CURRENCY"], _max_per_line(),
                                         read=read)
    return g.cart_view


def visitor_mini_cart(read: QuickRows | None = None) -> services.MiniCart:
    """This request's mini-cart, loaded at most once: from the cart already loaded for the
    page, else in one query of its own (through `read`, for a cached page: SlotReads)."""
    if "mini_cart" not in g:
        if "cart_view" in g:
            view = g.cart_view
            g.mini_cart = services.MiniCart(view.item_count, view.subtotal_cents, view.currency)
        else:
            g.mini_cart = services.mini_cart(current_cart_token(), current_app.config["SHOP_CURRENCY"], _max_per_line(),
                                             read=read)
    return g.mini_cart


class _MiniCart:
    """Loads the mini-cart only if a template reads it (error pages for bots need not)."""

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(visitor_mini_cart(), name)


@bp.app_context_processor
def mini_cart_context():
    return {"mini_cart": _MiniCart()}


def _mini_cart_html(summary: services.MiniCart | None, cart_address: str | None = None) -> bytes:
    """The mini-cart's words for `summary`, drawn once. `cart_address`: the cart page's, for
    a caller without a request (url_for needs one)."""
    return drawn_once("mini-cart", summary, lambda: current_app.jinja_env.get_template("cart/_mini_cart.html")
                      .render(mini_cart=summary, cart_address=cart_address or url_for("cart.show")).encode())


def mini_cart_for_visitor(read: QuickRows):
    """A cached public page's mini-cart for this visitor (shop/caching.py): None when they
    see it as a visitor without a cart does (see _slot_for)."""
    if current_cart_token() is None:
        return None
    return _slot_for(visitor_mini_cart(read))


def mini_cart_from_cookies(cookies: Mapping[str, str], read: QuickRows):
    """mini_cart_for_visitor before Flask (shop.caching.CachedPages): from the cookies alone,
    in an app context without a request."""
    raw = field(cookies, COOKIE_NAME)
    token = token_from_cookie(raw) if raw else None
    if token is None:
        return None
    summary = services.mini_cart(token, current_app.config["SHOP_CURRENCY"], _max_per_line(), read=read)
    # The shop's own address without a request: CachedPages answers only where no path
    # prefix (SCRIPT_NAME) is in front of it.
    return _slot_for(summary, drawn_once("address", "cart.show",
                                         lambda: current_app.url_map.bind("localhost").build("cart.show")))


def _slot_for(summary: services.MiniCart, cart_address: str | None = None):
    """The slot's answer for this summary (shop.caching.fill_slot_with): a cart whose unpaid
    checkout holds stock gets its pages rendered for it, since what it may add depends on
    that hold; an empty cart sees the page as everyone does."""
    if summary.holds_stock:
        return RENDER_FOR_VISITOR
    return _mini_cart_html(summary, cart_address) if summary.item_count else None


@bp.record_once
def _fill_cached_pages(state) -> None:
    fill_slot_with(state.app, mini_cart_for_visitor, lambda: _mini_cart_html(None), mini_cart_from_cookies)


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
    # Header and footer come from a kept frame; only the cart itself is drawn each time.
    return render_framed("cart/cart.html", "cart/_contents.html", lambda read: {
        "cart": current_cart_view(read), "return_window_days": current_app.config["RETURN_WINDOW_DAYS"]})


@bp.post("/cart/items")
@limiter.limit(lambda: current_app.config["CART_ADD_LIMIT_PER_CLIENT"])
@shopper_form
def add_item():
    form = request.form
    slug = field(form, "product", "").strip()
    if not slug:
        raise ShopError("Please choose a product to add.")
    quantity = parse_quantity(field(form, "quantity"), default=1, allow_zero=False, max_quantity=_max_per_line())
    token = services.add_to_cart(current_cart_token(), slug, quantity, _max_per_line(),
                                 from_article=field(form, "article", "").strip()[:160] or None)
    back = safe_next_path(field(form, "next"), drawn_once("address", "cart.show", lambda: url_for("cart.show")))
    return notify(remember_cart(redirect(back, code=303), token), "added")


@bp.post("/cart/items/<int:line_id>")
@shopper_form
def update_item(line_id: int):
    quantity = parse_quantity(request.form.get("quantity"), default=None, allow_zero=True, max_quantity=_max_per_line())
    services.set_line_quantity(current_cart_token(), line_id, quantity, _max_per_line())
    return notify(redirect(url_for("cart.show"), code=303), "updated" if quantity else "removed")


@bp.post("/cart/items/<int:line_id>/delete")
@shopper_form
def remove_item(line_id: int):
    services.remove_line(current_cart_token(), line_id)
    return notify(redirect(url_for("cart.show"), code=303), "removed")
