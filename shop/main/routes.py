from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shop.catalog.services import flagship_product
from shop.content.services import latest_articles
from shop.database import utcnow
from shop.extensions import db
from shop.newsletter.forms import SignupForm
from shop.seo import jsonld
from shop.testimonials.services import featured_testimonials

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    config = current_app.config
    return render_template(
        "main/home.html",
        flagship=flagship_product(),
        latest_articles=latest_articles(utcnow(), 3),
        featured_testimonials=featured_testimonials(3),
        signup_form=SignupForm(source="home"),
        home_jsonld=jsonld.script_tag(
            jsonld.organization(config["SHOP_NAME"], config["SHOP_SUPPORT_EMAIL"]), jsonld.website(config["SHOP_NAME"])
        ),
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
