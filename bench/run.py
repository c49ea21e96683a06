"""Measure the shop against the floor: throughput and latency of public pages over HTTP.

    .venv/bin/python bench/run.py                                   # SQLite, demo data
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/shop_bench
    .venv/bin/python bench/run.py --products 10000 --articles 2000  # the scale case
    .venv/bin/python bench/run.py --pages /products/steadyhand-trainer --seconds 3 --rounds 1

It builds a fresh database through the migrations, loads the demo content (plus generated
products and articles when asked), counts the SQL statements each page issues (in-process),
then serves the shop with gunicorn (2 workers, production settings: FLASK_DEBUG off) and the
floor app (bench/floor.py: Flask answering the product page's bytes as a constant) side by
side on loopback ports, and drives them with wrk (`-t2 -c32`), alternating rounds between
floor and shop and taking medians. Cases: an anonymous visitor (no cookie), a visitor with a
3-line cart (its cookie), and add-to-cart (a POST from a new visitor). Prints a Markdown
table: page, req/s, p50, p99, the floor's req/s and p99, ratio to the floor, queries.

wrk is Debian's package; the script installs it with apt-get when it is missing and it can
(root), or says how. Nothing here is part of the test suite: it times things, tests do not.
Every loop is bounded; everything stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

ANONYMOUS_PAGES = [
    "/", "/products", "/products/steadyhand-trainer", "/articles",
    "/articles/does-magnesium-oil-help-stroke-recovery", "/testimonials", "/search?q=hand+exercise",
]
CART_PAGES = ANONYMOUS_PAGES + ["/cart"]
CART_PRODUCTS = ("assist-strap", "non-slip-mat", "resistance-band-set")
ADD_TO_CART = "POST /cart/items"


# ---------------------------------------------------------------- the database

def prepare_database(url: str, extra_products: int, extra_articles: int) -> None:
    from flask_migrate import upgrade

    from shop import create_app
    from shop.catalog.models import Product, ProductImage, ProductKind
    from shop.content.models import Article, ArticleCategory, ArticleStatus, Author
    from shop.database import utcnow
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
                              summary="Generated for the benchmark.", description=f"Some *Markdown* for product {i}.",
                              price_cents=1000 + i, sku=f"BENCH-{i}", stock=100, position=100 + i)
            product.images = [ProductImage(path="img/products/strap.svg", alt="A strap", position=0)]
            db.session.add(product)
            if i % 1000 == 999:
                db.session.commit()
        db.session.commit()
        if extra_articles:
            author = db.session.scalar(sa.select(Author).limit(1))
            category = db.session.scalar(sa.select(ArticleCategory).limit(1))
            body = "\n\n".join(f"Paragraph {n} of a generated article, with *some* words in it." for n in range(30))
            now = utcnow()
            for i in range(extra_articles):
                db.session.add(Article(
                    slug=f"bench-article-{i}", title=f"Generated article {i}", summary="Generated for the benchmark.",
                    body=body, status=ArticleStatus.PUBLISHED, author=author, categories=[category],
                    # Older than the demo articles, so the demo pages still show what they showed.
                    published_at=now.replace(year=now.year - 3) - __import__("datetime").timedelta(minutes=i),
                ))
                if i % 500 == 499:
                    db.session.commit()
            db.session.commit()
        db.engine.dispose()


def count_queries(url: str, base_url: str, shop_config: dict) -> dict[tuple[str, str], int]:
    """SQL statements per page as the benchmark serves it (a repeat visit: warm), counted
    in-process, anonymous and with a 3-line cart."""
    from shop import create_app
    from shop.database import QuickRead
    from shop.extensions import db

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "SHOP_BASE_URL": base_url,
                      "WTF_CSRF_ENABLED": False, **shop_config})
    with app.app_context():
        engine = db.engine
    counts: dict[tuple[str, str], int] = {}
    anonymous, shopper = app.test_client(), app.test_client()
    for slug in CART_PRODUCTS:
        shopper.post("/cart/items", data={"product": slug, "quantity": "1"}, headers={"Origin": base_url},
                     base_url=base_url)
    shopper.get("/cart", base_url=base_url)  # the flash is read: what stays is the cart cookie
    for case, client, pages in (("anonymous", anonymous, ANONYMOUS_PAGES), ("3-line cart", shopper, CART_PAGES)):
        for path in pages:
            statements: list[str] = []

            def listener(*args, _into=statements):
                if not args[2].startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                    _into.append(args[2])

            client.get(path, base_url=base_url)  # warm (the shop answers only its own host)
            sa.event.listen(engine, "before_cursor_execute", listener)
            QuickRead.listeners.append(statements.append)  # reads on the driver's connection
            status = client.get(path, base_url=base_url).status_code
            QuickRead.listeners.remove(statements.append)
            sa.event.remove(engine, "before_cursor_execute", listener)
            assert status == 200, (path, status)
            counts[case, path] = len(statements)
    engine.dispose()
    return counts


# ---------------------------------------------------------------- servers and wrk

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (apt-get) ...", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: sudo apt-get install wrk")
    return found


def start_gunicorn(app: str, port: int, workers: int, env: dict, chdir: Path, logs: Path) -> subprocess.Popen:
    """gunicorn with the shop's gunicorn.conf.py (its JSON access log included: production
    writes one), for the floor too, so both pay the same server costs. The logs go to files
    in the benchmark's temp folder, not to this terminal."""
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--chdir", str(chdir), app],
        cwd=ROOT, env=env, stdout=open(logs / f"{port}-access.log", "ab"),  # noqa: SIM115 (the process owns it)
        stderr=open(logs / f"{port}-error.log", "ab"),  # noqa: SIM115
    )
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except requests.RequestException:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"{app} did not start on port {port}")


@dataclass
class Run:
    rps: float
    p50: float
    p99: float
    errors: int


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNIT[unit]


def wrk(wrk_path: str, url: str, seconds: float, connections: int, threads: int, headers: dict[str, str],
        script: Path | None = None) -> Run:
    command = [wrk_path, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    for _ in range(2):  # wrk now and then ends a run without its latency table: once more
        done = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 30)
        out = done.stdout
        if "Requests/sec" in out and re.search(r"^\s+99%\s+\S+\s*$", out, re.M):
            break
        print(f"wrk gave no figures for {url} (exit {done.returncode}):\n{out}\n{done.stderr}", file=sys.stderr)
    else:
        raise SystemExit(f"wrk gave no figures for {url} twice; see above")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in match.groups())
    return Run(rps, p50, p99, errors)


def shopper_with_cart(base: str) -> dict[str, str]:
    """A visitor who put 3 products in the cart through the real form, then saw the cart:
    the cookies their browser now sends."""
    shopper = requests.Session()
    for slug in CART_PRODUCTS:
        html = shopper.get(f"{base}/products/{slug}").text
        data = {"product": slug, "quantity": "1"}
        if token := re.search(r'name="csrf_token" value="([^"]+)"', html):
            data["csrf_token"] = token.group(1)
        response = shopper.post(f"{base}/cart/items", data=data, allow_redirects=False,
                                headers={"Origin": base, "Sec-Fetch-Site": "same-origin"})
        assert response.status_code == 303, response.text[:300]
    shopper.get(f"{base}/cart")
    return shopper.cookies.get_dict()


def add_to_cart_script(base: str, folder: Path) -> Path:
    """wrk's Lua for add-to-cart from a new visitor (no cart cookie, so each adds a cart)."""
    body = "product=assist-strap&quantity=1"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": base, "Sec-Fetch-Site": "same-origin"}
    page = requests.get(f"{base}/products/assist-strap")
    if token := re.search(r'name="csrf_token" value="([^"]+)"', page.text):  # the shop before issue 13
        body += f"&csrf_token={token.group(1)}"
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in page.cookies.get_dict().items())
    lines = ['wrk.method = "POST"', f'wrk.body = "{body}"']
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    script = folder / "add_to_cart.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


# ---------------------------------------------------------------- the run

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--products", type=int, default=0, help="generated products on top of the demo catalogue")
    parser.add_argument("--articles", type=int, default=0, help="generated articles on top of the demo articles")
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk's duration per run")
    parser.add_argument("--rounds", type=int, default=3, help="floor/shop rounds per page; medians are reported")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes, for the shop and the floor")
    parser.add_argument("--port", type=int, default=8400, help="the shop's port; the floor takes the next one")
    parser.add_argument("--pages", nargs="*", default=None, help="only these paths (and the cases that have them)")
    parser.add_argument("--no-writes", action="store_true", help="leave out add-to-cart")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the shop, such as PAGE_CACHE_SECONDS=0 (repeatable)")
    args = parser.parse_args()

    wrk_path = ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="shop-bench-"))
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"preparing {database} with {args.products} extra products, {args.articles} extra articles ...", file=sys.stderr)
    prepare_database(url, args.products, args.articles)
    shop_port, floor_port = args.port, args.port + 1
    base, floor_base = f"http://127.0.0.1:{shop_port}", f"http://127.0.0.1:{floor_port}"
    shop_config = dict(item.split("=", 1) for item in args.env)
    queries = count_queries(url, base, shop_config)

    # Production settings as the README deploys them: rate limits counted in Redis (several
    # workers), except that wrk is one client adding to carts thousands of times a second,
    # which the per-client limit exists to stop; it is lifted so the adds themselves are timed.
    redis_for_limits = "redis://127.0.0.1:6379/13"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "FLASK_DEBUG": "0",
           "OUTBOX_SEND_AFTER_REQUEST": "0", "SHOP_BASE_URL": base, "WEB_CONCURRENCY": str(args.workers),
           "RATELIMIT_STORAGE_URI": redis_for_limits, "CART_ADD_LIMIT_PER_CLIENT": "1000000 per minute",
           **shop_config}
    try:
        redis.Redis.from_url(redis_for_limits).flushdb()
    except redis.RedisError as exc:
        raise SystemExit(f"the benchmark counts rate limits in Redis at {redis_for_limits}: {exc}") from exc
    shop = start_gunicorn("wsgi:app", shop_port, args.workers, env, ROOT, tmp)
    floor = None
    try:
        product_page = requests.get(base + "/products/steadyhand-trainer").content
        (tmp / "floor.html").write_bytes(product_page)
        floor = start_gunicorn("floor:app", floor_port, args.workers, {**os.environ, "FLOOR_BODY_FILE": str(tmp / "floor.html")},
                               ROOT / "bench", tmp)
        cart_cookie = "; ".join(f"{k}={v}" for k, v in shopper_with_cart(base).items())
        cases: list[tuple[str, str, dict[str, str], Path | None]] = []
        cases += [("anonymous", path, {}, None) for path in ANONYMOUS_PAGES]
        cases += [("3-line cart", path, {"Cookie": cart_cookie}, None) for path in CART_PAGES]
        if not args.no_writes:
            cases.append(("new visitor", ADD_TO_CART, {}, add_to_cart_script(base, tmp)))
        if args.pages:
            cases = [case for case in cases if case[1] in args.pages]

        print(f"\n{database}; gunicorn {args.workers} sync workers; wrk -t{args.threads} -c{args.connections}, "
              f"{args.seconds:g} s x {args.rounds} rounds (medians); {args.products} extra products, "
              f"{args.articles} extra articles; {page_size(product_page)} product page\n")
        # The floor's p99 beside the shop's: on a machine shared with others, the tail is
        # often the machine's, and the floor shows how much of it.
        print("| case | page | req/s | p50 ms | p99 ms | floor req/s | floor p99 ms | ratio | errors | queries |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for case, path, headers, script in cases:
            target = "/cart/items" if path == ADD_TO_CART else path
            floors, shops = [], []
            for _ in range(args.rounds):
                floors.append(wrk(wrk_path, floor_base + target, args.seconds, args.connections, args.threads, headers, script))
                shops.append(wrk(wrk_path, base + target, args.seconds, args.connections, args.threads, headers, script))
            rps = statistics.median(r.rps for r in shops)
            floor_rps = statistics.median(r.rps for r in floors)
            count = queries.get((case, path), "")
            print(f"| {case} | `{path}` | {rps:.0f} | {statistics.median(r.p50 for r in shops):.1f} "
                  f"| {statistics.median(r.p99 for r in shops):.1f} | {floor_rps:.0f} "
                  f"| {statistics.median(r.p99 for r in floors):.1f} | {rps / floor_rps:.0%} "
                  f"| {sum(r.errors for r in shops)} | {count} |", flush=True)
    finally:
        for server in (shop, floor):
            if server is not None:
                server.terminate()
                server.wait(timeout=10)
    return 0


def page_size(body: bytes) -> str:
    return f"{len(body) / 1024:.1f} KiB"


if __name__ == "__main__":
    raise SystemExit(main())
