from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from shop.catalog import services
from shop.content.services import articles_featuring
from shop.database import utcnow
from shop.markup import render_markdown
from shop.seo import jsonld
from shop.seo.urls import public_url
from shop.testimonials.services import featured_testimonials

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
        featuring_articles=articles_featuring(product.id, utcnow(), 3),
        featured_testimonials=featured_testimonials(2, product_id=product.id),
        product_jsonld=jsonld.script_tag(
            jsonld.product(product, current_app.config["SHOP_CURRENCY"], current_app.config["SHOP_NAME"]),
            jsonld.breadcrumb_list([
                ("Home", public_url("main.home")),
                ("Products", public_url("catalog.product_list")),
                (product.name, public_url("catalog.product_detail", slug=product.slug)),
            ]),
        ),
    )
