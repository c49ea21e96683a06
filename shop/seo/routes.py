from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template

from shop.caching import public_page
from shop.database import utcnow
from shop.seo import services
from shop.web import public_url

bp = Blueprint("seo", __name__)


def _xml(template: str, mimetype: str, **context):
    response = make_response(render_template(template, **context))
    response.mimetype = mimetype
    return response


@bp.get("/sitemap.xml")
@public_page
def sitemap():
    return _xml("seo/sitemap.xml", "application/xml", urls=services.sitemap_urls(utcnow()))


@bp.get("/feed.xml")
@public_page
def feed():
    now = utcnow()
    articles = services.feed_articles(now)
    updated = max((a.last_changed_at for a in articles if a.last_changed_at), default=now)
    return _xml(
        "seo/feed.xml",
        "application/atom+xml",
        articles=articles,
        updated=updated,
        feed_url=public_url("seo.feed"),
        articles_url=public_url("content.article_list"),
    )


@bp.get("/robots.txt")
@public_page
def robots():
    response = make_response(render_template("seo/robots.txt", sitemap_url=public_url("seo.sitemap")))
    response.mimetype = "text/plain"
    return response


@bp.app_context_processor
def seo_helpers():
    return {"public_url": public_url, "feed_title": f"{current_app.config['SHOP_NAME']}: articles"}


@bp.app_template_filter("w3c_datetime")
def w3c_datetime(value) -> str:
    """2026-03-05T09:30:00Z: what sitemaps and Atom feeds expect (values are UTC)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""
