"""The shop's application factory: config, extensions, blueprints, errors, CLI."""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask, request

from shop.config import DEV_SECRET_KEY, ROOT, development_key_allowed, settings_from_env, validate
from shop.extensions import csrf, db, limiter, login_manager, migrate
from shop.web import ShopRequest


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.request_class = ShopRequest
    register_config(app, config)
    register_extensions(app)
    register_security(app)
    register_observability(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_errors(app)
    register_commands(app)
    if app.config["OUTBOX_SEND_AFTER_REQUEST"]:
        from shop.outbox.services import send_after_each_request

        send_after_each_request(app)
    register_kept_pages(app)
    return app


def register_kept_pages(app: Flask) -> None:
    """Last: kept pages for visitors without cookies are answered before anything else."""
    from shop.caching import serve_kept_pages_first
    from shop.security import security_headers

    serve_kept_pages_first(app, security_headers(app))


def register_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.update(settings_from_env())
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY") and (app.testing or (app.debug and development_key_allowed())):
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
    validate(app.config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
    else:
        # A restarted PostgreSQL (or a connection it ended) is noticed when a connection is
        # taken from the pool, not by the request that would use it: only requests in flight
        # at that moment can fail.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("pool_pre_ping", True)
    # Pages are rendered fresh; templates reload in development only.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # no time limits for slow readers


def register_extensions(app: Flask) -> None:
    import shop.models  # noqa: F401  (every table registered before anything queries)
    from shop.database import init_database

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    init_database(app)
    csrf.init_app(app)
    from shop.same_origin import init_same_origin

    init_same_origin(app)
    from shop.assets import init_assets
    from shop.caching import init_page_cache

    init_assets(app)
    init_page_cache(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    limiter.init_app(app)


def register_observability(app: Flask) -> None:
    from shop.observability import register_observability as register

    register(app)


def register_security(app: Flask) -> None:
    from shop.security import register_security as register

    register(app)


def register_blueprints(app: Flask) -> None:
    from shop.accounts.routes import bp as accounts_bp
    from shop.admin.routes import bp as admin_bp
    from shop.cart.routes import bp as cart_bp
    from shop.catalog.routes import bp as catalog_bp
    from shop.checkout.routes import bp as checkout_bp
    from shop.content.routes import bp as content_bp
    from shop.media.routes import bp as media_bp
    from shop.monitoring.routes import bp as monitoring_bp
    from shop.newsletter.routes import bp as newsletter_bp
    from shop.orders.routes import bp as orders_bp
    from shop.policies.routes import bp as policies_bp
    from shop.seo.routes import bp as seo_bp
    from shop.storefront.routes import bp as storefront_bp
    from shop.testimonials.routes import bp as testimonials_bp

    for blueprint in (storefront_bp, catalog_bp, cart_bp, checkout_bp, accounts_bp, content_bp, testimonials_bp,
                      newsletter_bp, seo_bp, media_bp, admin_bp, orders_bp, policies_bp, monitoring_bp):
        app.register_blueprint(blueprint)


def register_template_helpers(app: Flask) -> None:
    from shop.money import format_money
    from shop.notices import init_notices

    init_notices(app)

    app.jinja_env.filters["money"] = format_money
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    def canonical_url() -> str:
        """This page's address on the public site, keeping only the page number."""
        url = app.config["SHOP_BASE_URL"] + request.path
        page = request.args.get("page", type=int)
        return f"{url}?page={page}" if page and page > 1 else url

    @app.context_processor
    def shop_globals() -> dict[str, Any]:
        return {
            "shop_name": app.config["SHOP_NAME"],
            "shop_currency": app.config["SHOP_CURRENCY"],
            "support_email": app.config["SHOP_SUPPORT_EMAIL"],
            "canonical_url": canonical_url,
        }


def register_errors(app: Flask) -> None:
    from shop.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from shop.cli import register_cli

    register_cli(app)
