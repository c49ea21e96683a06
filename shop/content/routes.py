from __future__ import annotations

import click
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from shop.content import services
from shop.content.rendering import render_article_body
from shop.content.search import search as run_search
from shop.content.search import search_terms
from shop.database import utcnow
from shop.markup import render_markdown
from shop.newsletter.forms import SignupForm
from shop.seo import jsonld
from shop.seo.urls import public_url

bp = Blueprint("content", __name__)

ARTICLES_PER_PAGE = 10


def _page_number() -> int:
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    return page


@bp.get("/articles")
def article_list():
    category = request.args.get("category", "", type=str)
    if category:
        # One address per list: the filter form lands on the category's own page.
        return redirect(url_for("content.category_detail", slug=category), code=301)
    return _render_article_list(None)


@bp.get("/articles/category/<slug>")
def category_detail(slug: str):
    try:
        category = services.get_category(slug)
    except services.CategoryNotFound:
        abort(404)
    return _render_article_list(category)


def _render_article_list(category):
    page = _page_number()
    articles = services.list_articles(utcnow(), page, ARTICLES_PER_PAGE, category)
    if page > 1 and not articles.items:
        abort(404)
    crumbs = [("Home", public_url("main.home")), ("Articles", public_url("content.article_list"))]
    if category is not None:
        crumbs.append((category.name, public_url("content.category_detail", slug=category.slug)))
    return render_template(
        "articles/list.html",
        articles=articles,
        category=category,
        categories=services.all_categories(),
        crumbs=crumbs,
        pagination_endpoint="content.category_detail" if category else "content.article_list",
        pagination_args={"slug": category.slug} if category else {},
    )


@bp.get("/articles/<slug>")
def article_detail(slug: str):
    try:
        page = services.get_article_page(slug, utcnow())
    except services.ArticleNotFound:
        abort(404)
    article = page.article
    body = render_article_body(
        article.body,
        products=page.directive_products,
        reference_count=len(article.references),
        product_card=lambda product: render_template("articles/_product_card.html", product=product),
    )
    if body.problems:
        current_app.logger.warning("article %s: %s", article.slug, "; ".join(body.problems))
    crumbs = [("Home", public_url("main.home")), ("Articles", public_url("content.article_list"))]
    if article.main_category:
        crumbs.append((article.main_category.name, public_url("content.category_detail", slug=article.main_category.slug)))
    crumbs.append((article.title, public_url("content.article_detail", slug=article.slug)))
    return render_template(
        "articles/detail.html",
        article=article,
        body_html=body.html,
        staff_problems=body.problems if current_user.is_authenticated else [],
        related=page.related,
        crumbs=crumbs,
        jsonld_html=jsonld.script_tag(jsonld.article(article, current_app.config["SHOP_NAME"]), jsonld.breadcrumb_list(crumbs)),
        signup_form=SignupForm(source=f"article:{article.slug}"),
    )


@bp.get("/authors/<slug>")
def author_detail(slug: str):
    try:
        page = services.get_author_page(slug, utcnow())
    except services.AuthorNotFound:
        abort(404)
    return render_template("authors/detail.html", page=page, author=page.author, bio_html=render_markdown(page.author.bio))


@bp.get("/search")
def search():
    query = request.args.get("q", "", type=str)
    return render_template(
        "search/results.html",
        query=query[:200],
        searched=bool(search_terms(query)),
        hits=run_search(query, utcnow()),
    )


@bp.cli.command("check")
def check_command() -> None:
    """List articles whose [[product:slug]] directives name no active product."""
    report = services.articles_with_unknown_products()
    for article_slug, product_slugs in report.items():
        click.echo(f"{article_slug}: unknown products {', '.join(product_slugs)}")
    if not report:
        click.echo("content: every product directive names an active product")


@bp.app_template_filter("long_date")
def long_date(value) -> str:
    """5 March 2026: a date in words nobody has to decode."""
    return f"{value.day} {value:%B %Y}" if value else ""
