"""The shop deployed as in production, on this machine: nginx (Debian's package) with the
shipped deploy/nginx/shop.conf and a self-signed certificate made here, in front of two
gunicorn instances started with the shipped gunicorn.conf.py, on a PostgreSQL database
built by `flask db upgrade`, a private Redis, the Stripe stand-in and an SMTP server.

Every port is a free one, every file is in a temporary folder, and `stop()` ends every
process this started (and only those).
"""
from __future__ import annotations

import getpass
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
METRICS_TOKEN = "cluster-metrics-token"
SECRET_KEY = "cluster-secret-key-not-for-production"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and localhost), made with openssl."""
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key_path), "-out", str(cert_path), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    return cert_path, key_path


def site_config(folder: Path, *, http_port: int, https_port: int, app_ports: tuple[int, int],
                cert: Path, key: Path) -> str:
    """deploy/nginx/shop.conf as shipped, with this machine's ports and paths put in. Each
    replaced line must be there: the test runs the shipped file, not a copy of it."""
    shipped = (ROOT / "deploy" / "nginx" / "shop.conf").read_text()
    replacements = {
        "server 127.0.0.1:8001 ": f"server 127.0.0.1:{app_ports[0]} ",
        "server 127.0.0.1:8002 ": f"server 127.0.0.1:{app_ports[1]} ",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/shop/fullchain.pem": str(cert),
        "/etc/ssl/shop/privkey.pem": str(key),
        "root /srv/shop/public;": f"root {folder / 'public'};",
        "/var/log/nginx/shop.access.log": str(folder / "nginx-access.log"),
        "/var/log/nginx/shop.error.log": str(folder / "nginx-error.log"),
    }
    for shipped_text, here in replacements.items():
        assert shipped_text in shipped, f"deploy/nginx/shop.conf no longer has {shipped_text!r}"
        shipped = shipped.replace(shipped_text, here)
    return shipped


def nginx_main_config(folder: Path, site: Path) -> str:
    """The parts of /etc/nginx/nginx.conf a site relies on, with every path in `folder`."""
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    # Workers run as this user (Debian's nginx.conf says www-data, whose temp folders these are
    # not): a response nginx buffers to disk for a slow reader must be writable here, or it is a 500.
    return f"""
user {getpass.getuser()};
worker_processes 1;
daemon off;
pid {folder / 'nginx.pid'};
error_log {folder / 'nginx-main-error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {temp['client_body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {site};
}}
"""


def wait_until(check, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001  (not up yet)
            pass
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


class SourceAddressAdapter(HTTPAdapter):
    """Connections from one loopback address of our choosing (127.0.0.0/8 is all ours), so
    each simulated shopper is a different client to nginx and the rate limits."""

    def __init__(self, address: str, **kwargs: Any) -> None:
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Cluster:
    folder: Path
    database_url: str
    redis_url: str
    https_url: str
    http_url: str
    app_urls: tuple[str, str]
    cert: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    # ---------------------------------------------------------------- clients

    def browser(self, address: str = "127.0.0.1") -> requests.Session:
        """A shopper's browser: TLS checked against our certificate, from `address`."""
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides `verify`
        session.verify = str(self.cert)
        session.mount("https://", SourceAddressAdapter(address))
        session.headers["Referer"] = self.https_url + "/"  # as a browser sends it on our own forms
        return session

    def url(self, path: str) -> str:
        return self.https_url + path

    @staticmethod
    def csrf_token(html: str) -> str | None:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        return found.group(1) if found else None

    def from_this_site(self) -> dict[str, str]:
        """What a browser says about a form sent from one of our own pages."""
        return {"Origin": self.https_url, "Sec-Fetch-Site": "same-origin"}

    def post_form(self, browser: requests.Session, page: str, action: str, data: dict[str, str], **kwargs: Any):
        """Open `page`, then send its form to `action` as a browser does: from this site, with
        the page's CSRF token when the form carries one (staff forms; shoppers' have none)."""
        token = self.csrf_token(browser.get(self.url(page)).text)
        fields = {**data, "csrf_token": token} if token else dict(data)
        headers = {**self.from_this_site(), **kwargs.pop("headers", {})}
        return browser.post(self.url(action), data=fields, headers=headers, allow_redirects=False, **kwargs)

    def flask(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        """`flask --app wsgi ...` as the systemd timers run it."""
        return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env={**self.env, **env},
                              capture_output=True, text=True, timeout=120)

    def logs(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    # ---------------------------------------------------------------- processes

    def start_gunicorn(self, index: int) -> None:
        port = int(self.app_urls[index].rsplit(":", 1)[1])
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}",
               "PROMETHEUS_MULTIPROC_DIR": str(self.folder / f"metrics-{port}")}
        log = open(self.folder / f"gunicorn-{index}.log", "ab")  # noqa: SIM115  (closed by the process's end)
        self.processes[f"gunicorn-{index}"] = subprocess.Popen(
            [str(BIN / "gunicorn"), "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(lambda: requests.get(f"{self.app_urls[index]}/healthz", timeout=2).status_code == 200,
                   what=f"gunicorn {index}")

    def start_nginx(self) -> None:
        log = open(self.folder / "nginx-stderr.log", "ab")  # noqa: SIM115
        self.processes["nginx"] = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-e",
             str(self.folder / "nginx-main-error.log")], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(lambda: requests.get(self.url("/healthz"), verify=str(self.cert), timeout=2).ok, what="nginx")

    def start_redis(self, port: int) -> None:
        self.processes["redis"] = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL)
        wait_until(lambda: redis.Redis.from_url(self.redis_url).ping(), what="redis")

    def stop_redis(self) -> None:
        self._end("redis")

    def _end(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM if name != "nginx" else signal.SIGQUIT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def stop(self) -> None:
        for name in list(self.processes):
            self._end(name)


def start_cluster(folder: Path, database_url: str, *, stripe_env: dict[str, str], smtp_url: str) -> Cluster:
    """Build the database with `flask db upgrade`, then start Redis, two gunicorn
    instances and nginx. The caller stops it."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(folder)
    http_port, https_port, redis_port = free_port(), free_port(), free_port()
    app_ports = (free_port(), free_port())
    https_url = f"https://127.0.0.1:{https_port}"
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTEST", "SENTRY"))}
    env.update({
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "SHOP_BASE_URL": https_url,
        "PROXY_COUNT": "1",
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": METRICS_TOKEN,
        "SMTP_URL": smtp_url,
        "OUTBOX_SEND_AFTER_REQUEST": "0",
        **stripe_env,
    })
    site = folder / "site.conf"
    site.write_text(site_config(folder, http_port=http_port, https_port=https_port, app_ports=app_ports,
                                cert=cert, key=key))
    (folder / "nginx.conf").write_text(nginx_main_config(folder, site))
    cluster = Cluster(folder=folder, database_url=database_url, redis_url=redis_url, https_url=https_url,
                      http_url=f"http://127.0.0.1:{http_port}",
                      app_urls=(f"http://127.0.0.1:{app_ports[0]}", f"http://127.0.0.1:{app_ports[1]}"),
                      cert=cert, env=env)
    try:
        migrated = cluster.flask("db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        built = cluster.flask("assets", "build", str(folder / "public" / "static"))  # as each deploy does
        assert built.returncode == 0, built.stderr[-3000:]
        cluster.start_redis(redis_port)
        cluster.start_gunicorn(0)
        cluster.start_gunicorn(1)
        cluster.start_nginx()
    except BaseException:
        cluster.stop()
        raise
    return cluster


def terminate_connections(admin_url: str, database: str) -> int:
    """pg_terminate_backend on every connection to `database` (this test's own database
    only, never anyone else's). Returns how many were ended."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
            ), {"name": database}).all())
    finally:
        admin.dispose()
