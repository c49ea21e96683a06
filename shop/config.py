"""Settings, read from the environment (and `.env` via python-dotenv when present).

Every variable is documented in `.env.example`. `create_app(config)` lays a mapping
of overrides on top, which is how tests configure the app.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"

# Only ever used with FLASK_DEBUG on, by `flask` commands on this machine (see
# development_key_allowed); production refuses to start without a real key.
DEV_SECRET_KEY = "dev-only-not-secret"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ConfigError(RuntimeError):
    """The environment does not describe a shop that can safely start."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _folder(env: Mapping[str, str], name: str, default: Path) -> str:
    """A folder setting as an absolute path; a relative one is taken from the project root,
    wherever the server was started from."""
    raw = env.get(name)
    path = Path(raw) if raw else default
    return str(path if path.is_absolute() else ROOT / path)


def _database_url(env: Mapping[str, str]) -> str:
    url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'shop.sqlite'}"
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def settings_from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if env is None else env
    debug = _flag(env.get("FLASK_DEBUG"))
    return {
        "DEBUG": debug,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": _database_url(env),
        "SHOP_NAME": env.get("SHOP_NAME", "Steady Hand Rehab"),
        "SHOP_CURRENCY": env.get("SHOP_CURRENCY", "usd").lower(),
        "SHOP_BASE_URL": env.get("SHOP_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SHOP_SUPPORT_EMAIL": env.get("SHOP_SUPPORT_EMAIL", "care@example.com"),
        # Where the shop's day starts and ends, for the owner's figures ("today", "last 7 days").
        "SHOP_TIMEZONE": env.get("SHOP_TIMEZONE", "America/New_York"),
        # Printed on receipts: where the shop is, on one line.
        "SHOP_POSTAL_ADDRESS": env.get("SHOP_POSTAL_ADDRESS", "100 Example Road, Springfield, IL 62701, United States"),
        # Days after delivery in which a shopper may send a product back (the returns page and emails say so).
        "RETURN_WINDOW_DAYS": _int(env, "RETURN_WINDOW_DAYS", 30),
        # Digital products: the private folder their files are served from (never under static/),
        # and how long and how often one download link works.
        "DOWNLOADS_DIR": _folder(env, "DOWNLOADS_DIR", INSTANCE_DIR / "downloads"),
        "DOWNLOAD_LINK_DAYS": _int(env, "DOWNLOAD_LINK_DAYS", 7),
        "DOWNLOAD_LINK_MAX_USES": _int(env, "DOWNLOAD_LINK_MAX_USES", 5),
        "PRODUCTS_PER_PAGE": _int(env, "PRODUCTS_PER_PAGE", 12),
        "CART_MAX_QUANTITY": _int(env, "CART_MAX_QUANTITY", 10),
        "CART_COOKIE_DAYS": _int(env, "CART_COOKIE_DAYS", 60),
        # Stripe. STRIPE_API_BASE points the same code at the offline stand-in.
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/"),
        "STRIPE_TIMEOUT_SECONDS": _int(env, "STRIPE_TIMEOUT_SECONDS", 20),
        "SHIPPING_COUNTRIES": [c.strip().upper() for c in env.get("SHIPPING_COUNTRIES", "US,CA").split(",") if c.strip()],
        "SHIPPING_FLAT_CENTS": _int(env, "SHIPPING_FLAT_CENTS", 995),
        "FREE_SHIPPING_FROM_CENTS": _int(env, "FREE_SHIPPING_FROM_CENTS", 10000),
        "STRIPE_AUTOMATIC_TAX": _flag(env.get("STRIPE_AUTOMATIC_TAX")),
        "STRIPE_ALLOW_PROMOTION_CODES": _flag(env.get("STRIPE_ALLOW_PROMOTION_CODES")),
        # Email leaves through the outbox, over SMTP.
        "SMTP_URL": env.get("SMTP_URL", "smtp://127.0.0.1:1025"),
        "MAIL_FROM": env.get("MAIL_FROM", "Steady Hand Rehab <hello@example.com>"),
        "OUTBOX_SEND_AFTER_REQUEST": _flag(env.get("OUTBOX_SEND_AFTER_REQUEST"), default=debug),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Said outright: Flask-Limiter's one `limiter` would otherwise keep the last value any
        # app in the process set (a test app that switched limits off switched them off for all).
        "RATELIMIT_ENABLED": True,
        # If Redis stops answering, limits are counted in each worker's memory until it is
        # back (the shop keeps selling); staff login refuses instead (shop/accounts/routes.py).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        if env.get("RATELIMIT_STORAGE_URI", "").startswith(("redis://", "rediss://")) else {},
        # How many worker processes serve the shop (gunicorn.conf.py sets it): with more
        # than one, in-memory rate limits would count in each alone.
        "WEB_CONCURRENCY": _int(env, "WEB_CONCURRENCY", 1),
        # How many proxies in front of the shop set X-Forwarded-For/-Proto (nginx: 1).
        # 0 trusts none: a client could otherwise claim any address and dodge the limits.
        "PROXY_COUNT": _int(env, "PROXY_COUNT", 0),
        # Each checkout holds stock for at least 30 minutes (Stripe's shortest session), so
        # starting them is limited per client address and per cart; so is filling carts.
        "CHECKOUT_LIMIT_PER_CLIENT": env.get("CHECKOUT_LIMIT_PER_CLIENT", "10 per minute;30 per hour"),
        "CHECKOUT_LIMIT_PER_CART": env.get("CHECKOUT_LIMIT_PER_CART", "5 per minute;15 per hour"),
        "CART_ADD_LIMIT_PER_CLIENT": env.get("CART_ADD_LIMIT_PER_CLIENT", "60 per minute;600 per hour"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 4 * 1024 * 1024),
        # Photos staff upload: variants under MEDIA_ROOT (one directory every app server
        # shares), refused past these limits.
        "MEDIA_ROOT": env.get("MEDIA_ROOT") or str(INSTANCE_DIR / "media"),
        "MEDIA_MAX_BYTES": _int(env, "MEDIA_MAX_BYTES", 10 * 1024 * 1024),
        "MEDIA_MAX_PIXELS": _int(env, "MEDIA_MAX_PIXELS", 40_000_000),
        # Staff sessions end after this long without a request (a working day).
        "STAFF_IDLE_MINUTES": _int(env, "STAFF_IDLE_MINUTES", 8 * 60),
        # Failed logins to one staff account, from anywhere, before it waits (Flask-Limiter syntax).
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        # Operations: JSON log lines in production, errors to Sentry, /metrics behind a token.
        "LOG_FORMAT": env.get("LOG_FORMAT", "text"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "SENTRY_DSN": env.get("SENTRY_DSN", ""),
        "SENTRY_ENVIRONMENT": env.get("SENTRY_ENVIRONMENT", "production"),
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        # Secure cookies follow SHOP_BASE_URL (https: on); set it only to say so explicitly.
        "SESSION_COOKIE_SECURE": _flag(env["SESSION_COOKIE_SECURE"]) if env.get("SESSION_COOKIE_SECURE") else None,
        # The Host names the shop answers to (comma-separated); by default SHOP_BASE_URL's.
        "TRUSTED_HOSTS": [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None,
        # Public pages (shop/caching.py): kept rendered in each worker for at most this many
        # seconds (0: off), in at most this many bytes; the content version in Redis when
        # set (several app servers), else in the database; proxies may keep a page this long.
        "PAGE_CACHE_SECONDS": _int(env, "PAGE_CACHE_SECONDS", 60),
        "PAGE_CACHE_MAX_BYTES": _int(env, "PAGE_CACHE_MAX_BYTES", 32 * 1024 * 1024),
        "PAGE_CACHE_REDIS_URL": env.get("PAGE_CACHE_REDIS_URL", ""),
        "HTTP_SHARED_MAX_AGE": _int(env, "HTTP_SHARED_MAX_AGE", 60),
    }


def development_key_allowed() -> bool:
    """Whether the public development key may stand in for a missing SECRET_KEY (with
    FLASK_DEBUG on): only inside a `flask` command, and for `flask run` only when it
    listens on loopback. Under gunicorn or any other server there is no such command, and
    a key everyone knows would let anyone forge a staff session cookie."""
    command = click.get_current_context(silent=True)
    if command is None:
        return False
    if command.command.name == "run":
        return command.params.get("host") in LOOPBACK_HOSTS
    return True  # flask db upgrade, flask seed...: commands that serve nothing


def validate(config: Mapping[str, Any]) -> None:
    """Refuse settings that would run an unsafe or broken shop."""
    if not config.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY is not set. Set it to a long random value, for example:\n"
            "  export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')\n"
            "(FLASK_DEBUG=1 allows a development key with `flask run` on 127.0.0.1 only, never under gunicorn.)"
        )
    production = not config.get("DEBUG") and not config.get("TESTING")
    https = config.get("SHOP_BASE_URL", "").startswith("https://")
    if production and https and config.get("SESSION_COOKIE_SECURE") is False:
        raise ConfigError("SESSION_COOKIE_SECURE=0 with an https SHOP_BASE_URL would send the staff session over plain "
                          "http. Remove SESSION_COOKIE_SECURE (it follows SHOP_BASE_URL) or set it to 1.")
    in_memory_limits = config.get("RATELIMIT_STORAGE_URI", "").startswith("memory")
    if production and config.get("WEB_CONCURRENCY", 1) > 1 and in_memory_limits:
        raise ConfigError(f"{config['WEB_CONCURRENCY']} workers with RATELIMIT_STORAGE_URI=memory:// would each count "
                          "rate limits alone (a login limit of 10 lets 10 per worker through). Set "
                          "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0, or run one worker (WEB_CONCURRENCY=1).")
    if config.get("SHOP_CURRENCY", "").isalpha() is False or len(config.get("SHOP_CURRENCY", "")) != 3:
        raise ConfigError("SHOP_CURRENCY must be a three-letter ISO code such as usd")
    try:
        ZoneInfo(config.get("SHOP_TIMEZONE", "UTC"))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"SHOP_TIMEZONE must be a time zone name such as America/New_York, "
                          f"got {config.get('SHOP_TIMEZONE')!r}") from exc
    downloads = config.get("DOWNLOADS_DIR")
    if downloads and (ROOT / downloads).resolve().is_relative_to((ROOT / "static").resolve()):
        raise ConfigError("DOWNLOADS_DIR must not be under static/: files there are public, and bought files are not")
    for name in ("RETURN_WINDOW_DAYS", "DOWNLOAD_LINK_DAYS", "DOWNLOAD_LINK_MAX_USES"):
        if name in config and not 1 <= config[name] <= 3650:
            raise ConfigError(f"{name} must be a whole number from 1 to 3650, got {config[name]!r}")
    for name in ("PAGE_CACHE_SECONDS", "PAGE_CACHE_MAX_BYTES", "HTTP_SHARED_MAX_AGE"):
        if config.get(name, 0) < 0:
            raise ConfigError(f"{name} must be 0 or more")
