"""The articles' own pages: lists, topics, authors and site search. An article's page
carries product cards and the ebook signup too, so it is assembled in shop/storefront/."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from shop.caching import public_page, turns_at
from shop.content import services
from shop.content.search import search as run_search
from shop.content.search import search_terms
from shop.database import utcnow
from shop.web import existing_page, public_url, requested_page

bp = Blueprint("content", __name__)

ARTICLES_PER_PAGE = 10


@bp.record_once
def _end_cached_pages_when_articles_go_public(state) -> None:
    turns_at(state.app, services.next_publication)


@bp.get("/articles")
@public_page
def article_list():
    category = request.args.get("category", "", type=str)
    if category:
        # One address per list: the filter form lands on the category's own page.
        return redirect(url_for("content.category_detail", slug=category), code=301)
    return _render_article_list(None)


@bp.get("/articles/category/<slug>")
@public_page
def category_detail(slug: str):
    return _render_article_list(services.get_category(slug))


def _render_article_list(category):
    articles = existing_page(services.list_articles(utcnow(), requested_page(), ARTICLES_PER_PAGE, category))
    crumbs = [("Home", public_url("storefront.home")), ("Articles", public_url("content.article_list"))]
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


@bp.get("/authors/<slug>")
@public_page
def author_detail(slug: str):
    page = services.get_author_page(slug, utcnow())
    return render_template("authors/detail.html", page=page, author=page.author, bio_html=page.author.html_of("bio"))


@bp.get("/search")
@public_page
def search():
    query = request.args.get("q", "", type=str)
    return render_template(
        "search/results.html",
        query=query[:200],
        searched=bool(search_terms(query)),
        hits=run_search(query, utcnow()),
    )


@bp.app_template_filter("long_date")
def long_date(value) -> str:
    """5 March 2026: a date in words nobody has to decode."""
    return f"{value.day} {value:%B %Y}" if value else ""
