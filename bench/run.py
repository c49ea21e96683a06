"""Measure the shop's speed: SQL queries per page, and latency and throughput over HTTP.

    .venv/bin/python bench/run.py                      # SQLite, 500 extra products
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/shop_bench
    .venv/bin/python bench/run.py --products 5000 --seconds 10 --concurrency 8

It builds a fresh database through the migrations, loads the demo content plus N
generated products, counts the SQL statements each page issues (in-process), then
serves the shop with gunicorn (production settings: FLASK_DEBUG off) on a loopback port
and drives it from client threads for a bounded time per page. Everything stays on
127.0.0.1; every loop is bounded in count and time. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str, extra_products: int) -> None:
    from flask_migrate import upgrade

    from shop import create_app
    from shop.catalog.models import Product, ProductImage, ProductKind
    from shop.extensions import db
    from shop.seed import seed_all

    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        name = engine.url.database
        admin = sa.create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine.dispose()
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        list(seed_all())
        for i in range(extra_products):
            product = Product(slug=f"bench-{i}", name=f"Bench product {i}", kind=ProductKind.ACCESSORY,
                              summary="Generated for the benchmark.", description="Some *Markdown*.",
                              price_cents=1000 + i, sku=f"BENCH-{i}", stock=100, position=100 + i)
            product.images = [ProductImage(path="img/products/strap.svg", alt="A strap", position=0)]
            db.session.add(product)
        db.session.commit()
        db.engine.dispose()


def count_queries(url: str) -> dict[str, int]:
    """SQL statements per page, counted in-process for a shopper with a two-line cart."""
    from shop import create_app
    from shop.extensions import db

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        engine = db.engine
    # Each request gets its own app context, as in production (no shared `g`).
    client = app.test_client()
    client.post("/cart/items", data={"product": "assist-strap", "quantity": "1"})
    client.post("/cart/items", data={"product": "non-slip-mat", "quantity": "1"})
    counts: dict[str, int] = {}
    for path in PAGES:
        statements: list[str] = []

        def listener(*args, _into=statements):
            if not args[2].startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                _into.append(args[2])

        client.get(path)  # warm
        sa.event.listen(engine, "before_cursor_execute", listener)
        assert client.get(path).status_code == 200, path
        sa.event.remove(engine, "before_cursor_execute", listener)
        counts[path] = len(statements)
    engine.dispose()
    return counts


PAGES = [
    "/", "/products", "/products?page=20", "/products/steadyhand-trainer", "/cart",
    "/articles", "/articles/does-magnesium-oil-help-stroke-recovery", "/testimonials", "/search?q=hand+exercise",
    "/sitemap.xml", "/healthz",
]


def load(base: str, path: str, seconds: float, concurrency: int, max_requests: int, cookies: dict) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        session = requests.Session()
        session.cookies.update(cookies)
        while time.monotonic() < deadline:
            with lock:
                if len(latencies) + errors >= max_requests:
                    return
            start = time.perf_counter()
            try:
                ok = session.get(base + path, timeout=10).status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
            "p50": pick(0.50), "p95": pick(0.95), "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--products", type=int, default=500, help="generated products on top of the demo catalogue")
    parser.add_argument("--seconds", type=float, default=5.0, help="load time per page")
    parser.add_argument("--max-requests", type=int, default=20000, help="cap per page")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="shop-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
    print(f"preparing {url.split('@')[-1]} with {args.products} extra products ...", file=sys.stderr)
    prepare_database(url, args.products)
    queries = count_queries(url)

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "FLASK_DEBUG": "0",
           "OUTBOX_SEND_AFTER_REQUEST": "0", "SHOP_BASE_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        # A cart with two lines, made through the real form (CSRF token from the page).
        shopper = requests.Session()
        html = shopper.get(base + "/products/assist-strap").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        for slug in ("assist-strap", "non-slip-mat"):
            shopper.post(base + "/cart/items", data={"product": slug, "quantity": "1", "csrf_token": token})
        cookies = shopper.cookies.get_dict()

        print(f"\n{args.workers} gunicorn workers, {args.concurrency} client threads, {args.seconds:g} s per page, "
              f"{args.products} extra products, {'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}\n")
        print("| page | SQL queries | requests | errors | req/s | p50 ms | p95 ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for path in PAGES:
            r = load(base, path, args.seconds, args.concurrency, args.max_requests, cookies)
            print(f"| `{path}` | {queries[path]} | {r['requests']} | {r['errors']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} |")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
