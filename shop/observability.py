"""What the shop tells its operators: a request id on every request, JSON log lines that
carry it, Prometheus instruments, and error reports to Sentry when SENTRY_DSN is set.

- Request id: nginx's `$request_id` arrives as X-Request-ID (a new one is made when it is
  missing or malformed); every log line of the request carries it, and so does the
  response's X-Request-ID header (gunicorn's access log reads it from there).
- Logs: JSON lines when LOG_FORMAT=json (production), with no secrets: the shop never logs
  keys, card data, tokens or email bodies, and paths are logged by their route
  ("/newsletter/confirm/<token>"), never as sent.
- Metrics: request counts and latency by route, Stripe webhook outcomes. Gauges read from
  the database (orders by status, the outbox backlog) are collected when /metrics is
  scraped (shop/monitoring). Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set by
  gunicorn.conf.py) lets every worker's counts add up.
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from prometheus_client import Counter, Histogram

REQUEST_ID_HEADER = "X-Request-ID"
_GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")

HTTP_REQUESTS = Counter("shop_http_requests_total", "HTTP requests answered, by route and status",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("shop_http_request_duration_seconds", "Time to answer, by route", ["method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
STRIPE_WEBHOOKS = Counter("shop_stripe_webhooks_total", "Stripe webhooks received, by event type and outcome",
                          ["type", "outcome"])


def count_webhook(event_type: str, outcome: str) -> None:
    # Unknown event types are grouped, so a forged flood cannot grow the label set.
    STRIPE_WEBHOOKS.labels(event_type[:60] if outcome != "ignored" else "other", outcome[:40]).inc()


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record made while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


def route_label() -> str:
    """The route's rule, never the path as sent: bounded labels, and no token from a path."""
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def request_id_from(incoming: str) -> str:
    """The proxy's request id when it is well formed, else a new one."""
    return incoming if _GOOD_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


# Methods counted by name; any other word a client sends as its method is counted as "other",
# or a client inventing methods could grow the label set (and each worker's memory) at will.
COUNTED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Each label set's instruments, kept, rather than asked of labels() (a lock and a check of
# the values) twice a request. Bounded: the methods above, route rules, statuses.
_instruments: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def count_request(method: str, route: str, status: int, started: float | None) -> None:
    if method not in COUNTED_METHODS:
        method = "other"
    instruments = _instruments.get((method, route, status))
    if instruments is None:
        instruments = _instruments[(method, route, status)] = (
            HTTP_REQUESTS.labels(method, route, str(status)), HTTP_LATENCY.labels(method, route))
    instruments[0].inc()
    if started is not None:
        instruments[1].observe(time.perf_counter() - started)


def _start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER, ""))
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id") or uuid.uuid4().hex
    count_request(request.method, route_label(), response.status_code, g.get("request_started"))
    return response


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr for the whole process (the shop's loggers and the libraries')."""
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    app.logger.handlers[:] = []  # Flask's own handler would print the same line a second time, as text
    app.logger.propagate = True


def _scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """What goes to Sentry: no cookies, no query string, no form or body (tokens, emails)."""
    req = event.get("request") or {}
    for key in ("cookies", "data", "query_string", "env"):
        req.pop(key, None)
    headers = req.get("headers") or {}
    for name in list(headers):
        if name.lower() in {"cookie", "authorization", "stripe-signature", "x-csrftoken"}:
            headers.pop(name)
    return event


def init_sentry(app: Flask) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=app.config["SENTRY_DSN"],
        environment=app.config["SENTRY_ENVIRONMENT"],
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        traces_sample_rate=0,
        before_send=_scrub,
    )


def register_observability(app: Flask) -> None:
    if app.config["LOG_FORMAT"] == "json":
        configure_logging(app)
    if app.config["SENTRY_DSN"]:
        init_sentry(app)
    # Registered after the other hooks but put first in line (and _finish_request last: Flask
    # runs after_request hooks in reverse): a page answered from the page cache, or a request
    # refused early, still gets its id, its timing and its final status in the figures.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish_request)
