"""gunicorn's settings for the shop: `gunicorn wsgi:app` in this folder reads this file.

Everything can be changed from the environment (deploy/shop.env): GUNICORN_BIND,
WEB_CONCURRENCY, GUNICORN_TIMEOUT, GUNICORN_MAX_REQUESTS. See the README's "Production" section.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request has its worker to itself (SQLAlchemy sessions, Stripe calls).
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# The shop reads it: with more than one worker it insists on a shared (Redis) rate-limit store.
os.environ["WEB_CONCURRENCY"] = str(workers)
worker_class = "sync"
# Stripe is given 20 s (STRIPE_TIMEOUT_SECONDS); a request stuck longer than this is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# SIGTERM / systemctl reload: workers finish the requests in flight first.
graceful_timeout = 30
keepalive = 5
# Each worker is replaced after this many requests (jittered so they do not all restart at
# once): a slow leak never grows for long. Not lower: a new worker starts with an empty
# page cache and takes a second to boot, and a busy worker answers thousands of kept pages a
# second (at 50,000 a benchmark saw a restart every 20 s, each a 400 ms stall at the 99th
# percentile).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "500000"))
max_requests_jitter = max_requests // 10
# The app is loaded in each worker, after the fork: no database connection is shared.
preload_app = False
# No control socket: nothing outside systemd manages the workers.
control_socket_disable = True
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# nginx on the same machine is the only client; it sets X-Forwarded-For/-Proto, read by the
# shop's ProxyFix (PROXY_COUNT=1).
forwarded_allow_ips = "127.0.0.1"

accesslog = "-"
errorlog = "-"

# Prometheus: every worker writes its counts to files here, and /metrics adds them up.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="shop-metrics-"))

_TOKEN_CHARACTERS = re.compile(r"^[A-Za-z0-9_.=-]{20,}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _looks_like_a_token(segment: str) -> bool:
    # Signed links and Stripe ids are long and mix cases, dots or underscores; our slugs
    # ("does-magnesium-oil-help-stroke-recovery") are lowercase words joined by hyphens.
    return bool(_TOKEN_CHARACTERS.match(segment)) and not _SLUG.match(segment)


def redact_path(path: str) -> str:
    """A path as the access log keeps it: a segment that looks like a token (a signed link,
    a Stripe session id) becomes ':token'. Query strings are never logged."""
    return "/".join(":token" if _looks_like_a_token(part) else part for part in path.split("/"))


class JsonLogger(Logger):
    """gunicorn's log, as JSON lines: the access log with the request id the shop put in
    the X-Request-ID response header, and no query string or token."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        headers = dict((name.lower(), value) for name, value in resp.headers)
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": headers.get("x-request-id"),
            "method": environ.get("REQUEST_METHOD"),
            "path": redact_path(environ.get("PATH_INFO", "")),
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "client": environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR")),
            "user_agent": environ.get("HTTP_USER_AGENT", "")[:200],
        }
        self.access_log.info(json.dumps(line))


logger_class = JsonLogger
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
        "raw": {"format": "%(message)s"},  # the access lines are JSON already
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "raw", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["error"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}


def on_starting(server):
    """A fresh metrics folder for this master: counts of a previous run are not kept."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    """A worker that exits (restart, crash) leaves its gauges out of the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
