"""What operators see: request ids, JSON logs without secrets, /metrics behind a token,
and errors reported to Sentry when (and only when) SENTRY_DSN is set."""
from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest

from shop.observability import RequestIdFilter, configure_logging
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_every_response_has_a_request_id_and_a_good_incoming_one_is_kept(app, client):
    made = client.get("/").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/").headers["X-Request-ID"]
    assert client.get("/", headers={"X-Request-ID": "f0e1d2c3b4a5968778695a4b3c2d1e0f"}).headers["X-Request-ID"] == \
        "f0e1d2c3b4a5968778695a4b3c2d1e0f"
    forged = client.get("/", headers={"X-Request-ID": "x\"}, {\"injected\": 1"}).headers["X-Request-ID"]
    assert "injected" not in forged and len(forged) == 32


def test_log_lines_are_json_with_the_request_id(app, client, capsys):
    app.config["LOG_FORMAT"] = "json"
    root = logging.getLogger()
    saved = root.handlers[:], root.level, app.logger.handlers[:], app.logger.propagate
    try:
        configure_logging(app)
        response = client.post("/webhooks/stripe", data=b"{}", headers={"Stripe-Signature": "t=1,v1=00"},
                               content_type="application/json")
    finally:
        root.handlers[:], root.level, app.logger.handlers[:], app.logger.propagate = saved
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    warning = next(line for line in lines if "rejected a Stripe webhook" in line["message"])
    assert warning["level"] == "WARNING" and warning["request_id"] == response.headers["X-Request-ID"]
    assert RequestIdFilter().filter(logging.makeLogRecord({}))  # outside a request: request_id None, still logged


def _metrics(client, token="scrape-me"):
    return client.get("/metrics", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def app_config():
    return {"METRICS_TOKEN": "scrape-me"}


def test_metrics_are_closed_to_the_public(app, client):
    assert client.get("/metrics").status_code == 404
    assert _metrics(client, "guess").status_code == 404
    assert _metrics(client).status_code == 200
    app.config["METRICS_TOKEN"] = ""
    assert _metrics(client, "").status_code == 404  # no token set: closed to everyone


def test_metrics_count_requests_by_route_and_read_orders_and_the_outbox(app, client, standin, paid_order):
    client.get("/products/no-such-thing")
    text = _metrics(client).get_data(as_text=True)
    assert 'shop_http_requests_total{method="GET",route="/products/<slug>",status="404"}' in text
    assert "no-such-thing" not in text  # routes, never paths as sent
    assert 'shop_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/products/<slug>"}' in text
    assert 'shop_orders{status="paid"} 1.0' in text and 'shop_orders{status="expired"} 0.0' in text
    assert "shop_outbox_waiting 1.0" in text and "shop_outbox_oldest_age_seconds" in text
    assert 'shop_stripe_webhooks_total{outcome="fulfilled",type="checkout.session.completed"}' in text


def test_methods_a_client_makes_up_are_counted_together(app, client):
    """The method is the client's word: counted by name only when it is one of HTTP's."""
    from prometheus_client import REGISTRY

    def counted(method: str) -> float:
        labels = {"method": method, "route": "unmatched", "status": "405"}
        return REGISTRY.get_sample_value("shop_http_requests_total", labels) or 0.0

    before = counted("other"), counted("DELETE")
    for method in ("BREW", "PROPFIND", "X" * 20):
        client.open("/products", method=method)
    client.open("/products", method="DELETE")
    assert (counted("other"), counted("DELETE")) == (before[0] + 3, before[1] + 1)
    text = _metrics(client).get_data(as_text=True)
    assert "BREW" not in text and "PROPFIND" not in text


# ---------------------------------------------------------------- Sentry

class _Ingest(BaseHTTPRequestHandler):
    """Sentry's ingest endpoint, as far as the SDK needs one: it takes envelopes."""

    received: list[bytes] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        # The SDK compresses with Brotli when it can import it (the shop has it), else gzip.
        encoding = self.headers.get("Content-Encoding")
        if encoding == "br":
            body = brotli.decompress(body)
        elif encoding == "gzip":
            body = gzip.decompress(body)
        type(self).received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


SCRIPT = """
from shop import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:%d/none", "SECRET_KEY": "s3cret-key",
                  "SHOP_BASE_URL": "http://localhost"})
client = app.test_client()
response = client.get("/products", headers={"Cookie": "session=stolen-cookie"})
assert response.status_code == 500, response.status_code
import sentry_sdk
sentry_sdk.flush(5)
"""


@pytest.mark.slow
@pytest.mark.parametrize("dsn_set", [True, False])
def test_a_500_is_reported_to_sentry_only_when_a_dsn_is_set(tmp_path, dsn_set):
    _Ingest.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY", "FLASK_", "PYTEST"))}
    env["SENTRY_DSN"] = f"http://publickey@127.0.0.1:{server.server_port}/1" if dsn_set else ""
    try:
        # Its own process: the SDK is global, and must not stay on in this test worker.
        result = subprocess.run([sys.executable, "-c", SCRIPT % free_port()], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr[-2000:]
    if not dsn_set:
        assert _Ingest.received == []
        return
    sent = b"".join(_Ingest.received).decode()
    assert "OperationalError" in sent and "/products" in sent
    assert "stolen-cookie" not in sent and "s3cret-key" not in sent


def _gunicorn_config():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    saved = os.environ.get("WEB_CONCURRENCY"), os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    try:
        spec.loader.exec_module(module)
    finally:
        for name, value in zip(("WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR"), saved):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return module


@pytest.mark.parametrize("path, logged", [
    ("/newsletter/confirm/InVzZXJAZXhhbXBsZS5jb20i.aB3dEf.x9Yk2LmNoPqRsTuV", "/newsletter/confirm/:token"),
    ("/newsletter/unsubscribe/eyJpZCI6MTJ9.ZmFrZS1zaWduYXR1cmU", "/newsletter/unsubscribe/:token"),
    ("/products/steadyhand-trainer", "/products/steadyhand-trainer"),
    ("/articles/does-magnesium-oil-help-stroke-recovery", "/articles/does-magnesium-oil-help-stroke-recovery"),
    ("/articles/top-10-exercises-after-a-stroke-in-2026", "/articles/top-10-exercises-after-a-stroke-in-2026"),
    ("/x/cs_test_a17NT55q1MGHSxfHOuMGtn354rWS0wEZ", "/x/:token"),
    ("/admin/orders/SH-ABCDEFGH", "/admin/orders/SH-ABCDEFGH"),
])
def test_the_access_log_keeps_no_token_from_a_path(path, logged):
    assert _gunicorn_config().redact_path(path) == logged


def test_gunicorn_config_is_production_shaped():
    config = _gunicorn_config()
    assert config.control_socket_disable is True and config.preload_app is False
    assert config.timeout == 30 and config.graceful_timeout == 30 and config.max_requests > 0
    assert config.workers >= 1 and config.logger_class.__name__ == "JsonLogger"
