from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shop.caching import public_page
from shop.cart.cookie import current_cart_token
from shop.cart.services import line_limit
from shop.catalog.services import flagship_product, get_product
from shop.content.editing import article_for_preview
from shop.content.rendering import fill_directives
from shop.content.services import ArticlePage, articles_featuring, get_article_page, latest_articles, page_for
from shop.database import utcnow
from shop.extensions import db
from shop.newsletter.forms import SignupForm
from shop.orders.services import (
    held_elsewhere_note,
    units_of_product_held_by_cart,
    units_of_product_held_by_other_carts,
)
from shop.seo import jsonld
from shop.testimonials.services import featured_testimonials
from shop.web import public_url

bp = Blueprint("storefront", __name__)


@bp.get("/")
@public_page
def home():
    config = current_app.config
    return render_template(
        "storefront/home.html",
        flagship=flagship_product(),
        latest_articles=latest_articles(utcnow(), 3),
        featured_testimonials=featured_testimonials(3),
        signup_form=SignupForm(source="home"),
        home_jsonld=jsonld.script_tag(
            jsonld.organization(config["SHOP_NAME"], config["SHOP_SUPPORT_EMAIL"]), jsonld.website(config["SHOP_NAME"])
        ),
    )


@bp.get("/products/<slug>")
@public_page
def product_detail(slug: str):
    config = current_app.config
    product = get_product(slug)
    held = units_of_product_held_by_cart(current_cart_token(), product.id)
    return render_template(
        "storefront/product.html",
        product=product,
        held_note=_held_elsewhere(product),
        description_html=product.html_of("description"),
        max_quantity=line_limit(product, config["CART_MAX_QUANTITY"], held),
        featuring_articles=articles_featuring(product.id, utcnow(), 3),
        featured_testimonials=featured_testimonials(2, product_id=product.id),
        product_jsonld=jsonld.script_tag(
            jsonld.product(product, config["SHOP_CURRENCY"], config["SHOP_NAME"]),
            jsonld.breadcrumb_list([
                ("Home", public_url("storefront.home")),
                ("Products", public_url("catalog.product_list")),
                (product.name, public_url("storefront.product_detail", slug=product.slug)),
            ]),
        ),
    )


def _held_elsewhere(product) -> str:
    """When few or none are on the shelf, say how many other shoppers' checkouts hold
    (asked only then: a product in stock costs no extra query)."""
    if product.stock is None or product.stock > product.LOW_STOCK:
        return ""
    return held_elsewhere_note(units_of_product_held_by_other_carts(current_cart_token(), product.id))


@bp.get("/articles/<slug>")
@public_page
def article_detail(slug: str):
    return _article_page(get_article_page(slug, utcnow()))


@bp.get("/articles/preview/<token>")
def article_preview(token: str):
    """A draft (or any article) as readers will see it, for the reviewer who has the link
    from the staff area: never indexed, never kept by a cache."""
    article = article_for_preview(token, current_app.config["SECRET_KEY"])
    response = make_response(_article_page(page_for(article, utcnow()), preview=True))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _article_page(page: ArticlePage, *, preview: bool = False) -> str:
    article = page.article
    body = fill_directives(
        article.html_of("body"),
        products=page.directive_products,
        reference_count=len(article.references),
        product_card=lambda product: render_template("articles/_product_card.html", product=product, article=article),
    )
    if body.problems and not preview:
        current_app.logger.warning("article %s: %s", article.slug, "; ".join(body.problems))
    crumbs = [("Home", public_url("storefront.home")), ("Articles", public_url("content.article_list"))]
    if article.main_category:
        crumbs.append((article.main_category.name, public_url("content.category_detail", slug=article.main_category.slug)))
    crumbs.append((article.title, public_url("storefront.article_detail", slug=article.slug)))
    return render_template(
        "storefront/article.html",
        article=article,
        body_html=body.html,
        staff_problems=body.problems if (preview or current_user.is_authenticated) else [],
        related=page.related,
        crumbs=crumbs,
        preview=preview,
        jsonld_html="" if preview else jsonld.script_tag(jsonld.article(article, current_app.config["SHOP_NAME"]),
                                                         jsonld.breadcrumb_list(crumbs)),
        signup_form=SignupForm(source=f"article:{article.slug}"),
    )


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 while the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("health check: database unavailable: %s", exc.__class__.__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
