"""GET /metrics for Prometheus. Closed to the public: it answers only a scraper that sends
`Authorization: Bearer <METRICS_TOKEN>`, and is a 404 for everyone else (and for
everyone when no token is set). nginx keeps it off the public site as well.

Counters and histograms come from every worker (shop/observability.py); the gauges below
are read from the database at each scrape, so every app server reports the same truth.
"""
from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from shop.database import utcnow
from shop.orders.staff import orders_by_status
from shop.outbox.services import backlog

bp = Blueprint("monitoring", __name__)


class ShopStateCollector:
    """Orders by status and the outbox's backlog, read when scraped."""

    def collect(self) -> Iterator[Metric]:
        orders = GaugeMetricFamily("shop_orders", "Orders by status", labels=["status"])
        for status, number in orders_by_status().items():
            orders.add_metric([status.value], number)
        yield orders
        waiting = backlog(utcnow())
        yield GaugeMetricFamily("shop_outbox_waiting", "Emails queued and not sent yet", value=waiting.waiting)
        yield GaugeMetricFamily("shop_outbox_oldest_age_seconds", "Age of the oldest email waiting",
                                value=waiting.oldest_age_seconds)
        yield GaugeMetricFamily("shop_outbox_given_up", "Emails that failed every attempt", value=waiting.given_up)


def _process_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@bp.get("/metrics")
def metrics():
    token = current_app.config["METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        abort(404)
    state = CollectorRegistry()
    state.register(ShopStateCollector())
    body = _process_metrics() + generate_latest(state)
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
