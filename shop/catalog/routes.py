"""The catalogue's own page: every active product, a page at a time. A product's page
shows articles and stories too, so it is assembled in shop/storefront/."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from shop.caching import public_page
from shop.catalog import services
from shop.web import existing_page, requested_page

bp = Blueprint("catalog", __name__)


@bp.get("/products")
@public_page
def product_list():
    products = services.list_products(requested_page(), current_app.config["PRODUCTS_PER_PAGE"])
    return render_template("catalog/product_list.html", products=existing_page(products))
