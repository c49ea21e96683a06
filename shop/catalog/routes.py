from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from shop.catalog import services
from shop.markup import render_markdown

bp = Blueprint("catalog", __name__)


@bp.get("/products")
def product_list():
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    products = services.list_products(page, current_app.config["PRODUCTS_PER_PAGE"])
    if page > 1 and not products.items:
        abort(404)
    return render_template("catalog/product_list.html", products=products)


@bp.get("/products/<slug>")
def product_detail(slug: str):
    try:
        product = services.get_product(slug)
    except services.ProductNotFound:
        abort(404)
    max_quantity = current_app.config["CART_MAX_QUANTITY"]
    if product.stock is not None:
        max_quantity = min(max_quantity, product.stock)
    return render_template(
        "catalog/product_detail.html",
        product=product,
        description_html=render_markdown(product.description),
        max_quantity=max_quantity,
    )
