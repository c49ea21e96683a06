"""The shop as deployed: nginx with the shipped config over TLS, in front of two gunicorn
instances with the shipped gunicorn.conf.py, on one PostgreSQL database and a Redis of
this test's own, with the Stripe stand-in and a real SMTP server. Then the faults: a
race for the last units, one event delivered twenty times, the database's connections
ended mid-run, Redis stopped, SMTP down.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
import sqlalchemy as sa

from shop import create_app
from shop.extensions import db
from shop.orders.models import EventKind, Order, OrderEvent, OrderLine, OrderStatus, StockState
from shop.outbox.models import OutboxEmail
from stripe_standin.testing import start_standin
from tests.conftest import PG_ADMIN_URL, fresh_postgres, make_test_config
from tests.factories import make_product, make_staff
from tests.support.cluster import METRICS_TOKEN, SECRET_KEY, Cluster, start_cluster, terminate_connections
from tests.support.live import SmtpServer, closed_port_url
from tests.support.stripe import WEBHOOK_SECRET, event_body, last_event, stripe_signature

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
STRIPE_KEY = "sk_test_cluster"
HELD_OR_SOLD = re.compile(r"held in other shoppers' checkouts|sold out|out of stock")


@pytest.fixture(scope="module")
def cluster_database() -> Iterator[str]:
    with fresh_postgres("shop_cluster") as url:
        yield url


@pytest.fixture(scope="module")
def standin():
    server = start_standin(webhook_secret=WEBHOOK_SECRET, api_key=STRIPE_KEY, retry_delays=(0.1, 0.2, 0.4))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, cluster_database, standin, mail) -> Iterator[Cluster]:
    running = start_cluster(tmp_path_factory.mktemp("cluster"), cluster_database, smtp_url=mail.url, stripe_env={
        "STRIPE_SECRET_KEY": STRIPE_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": standin.base_url})
    standin.set_webhook_url(f"{running.app_urls[0]}/webhooks/stripe")
    yield running
    standin.set_webhook_url(None)
    running.stop()


@pytest.fixture(scope="module")
def shop_data(cluster):
    """The cluster's database from this test process, to set up products and read results."""
    app = create_app(make_test_config(cluster.database_url))

    @contextmanager
    def session() -> Iterator[sa.orm.Session]:
        with app.app_context():
            yield db.session
            db.session.remove()

    yield session
    with app.app_context():
        db.engine.dispose()


def _stock(shop_data, product_id: int) -> int:
    with shop_data() as session:
        return session.scalar(sa.select(sa.text("stock")).select_from(sa.text("products")).where(
            sa.text("id = :id")).params(id=product_id))


def _add_and_checkout(cluster: Cluster, browser: requests.Session, slug: str, quantity: int = 1):
    added = cluster.post_form(browser, f"/products/{slug}", "/cart/items", {"product": slug, "quantity": str(quantity)})
    assert added.status_code == 303, added.text[:500]
    return cluster.post_form(browser, "/cart", "/checkout", {})


def _session_id(location: str) -> str:
    return re.search(r"(cs_[A-Za-z0-9_]+)", location).group(1)


# ---------------------------------------------------------------- the journey

def test_the_shopping_journey_through_nginx_over_tls(cluster, shop_data, standin, mail):
    with shop_data():
        trainer = make_product(name="SteadyHand Trainer", price_cents=29900, stock=5)
        slug, product_id = trainer.slug, trainer.id
    browser = cluster.browser()

    home = browser.get(cluster.url("/"))
    assert home.status_code == 200 and "Strict-Transport-Security" in home.headers
    assert len(home.headers["X-Request-ID"]) == 32 and "default-src 'self'" in home.headers["Content-Security-Policy"]
    plain = requests.get(cluster.http_url + "/products", allow_redirects=False)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    # The stylesheet the page links, by its fingerprinted name, from nginx's disk: kept a year.
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', home.text).group(1)
    css = browser.get(cluster.url(stylesheet), headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and css.headers["Content-Encoding"] == "gzip"
    assert "X-Request-ID" not in css.headers  # nginx answered, not the app
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert css.headers["Content-Security-Policy"].startswith("default-src 'none'")
    unversioned = browser.get(cluster.url("/static/css/shop.css"))
    assert unversioned.status_code == 200 and unversioned.headers["Cache-Control"] == "public, no-cache"
    assert browser.get(cluster.url("/metrics"), headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 404

    to_stripe = _add_and_checkout(cluster, browser, slug, 2)
    assert to_stripe.status_code == 303 and to_stripe.headers["Location"].startswith(standin.base_url)
    session_id = _session_id(to_stripe.headers["Location"])
    assert standin.pay(session_id)["outcome"] == "succeeded"
    standin.wait_for_deliveries()
    success = browser.get(cluster.url(f"/checkout/success?session_id={session_id}"))
    assert "Your order is confirmed" in success.text and success.headers["Cache-Control"] == "no-store"
    assert _stock(shop_data, product_id) == 3

    sent = cluster.flask("outbox", "send")
    assert "1 sent, 0 failed" in sent.stdout, sent.stderr[-2000:]
    assert "is confirmed" in mail.mailbox.wait_for(1)[-1]["Subject"]

    metrics = requests.get(f"{cluster.app_urls[1]}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert 'shop_orders{status="paid"} 1.0' in metrics.text and "shop_http_requests_total" in metrics.text

    # Logs: JSON lines, the request id on each access line, and nothing secret or personal.
    logs = cluster.logs("gunicorn-0") + cluster.logs("gunicorn-1")
    access = [json.loads(line) for line in logs.splitlines() if '"gunicorn.access"' in line]
    assert access and all(len(line["request_id"] or "") == 32 for line in access)
    assert any(line["path"] == "/checkout/success" and line["status"] == 200 for line in access)
    for secret in (SECRET_KEY, STRIPE_KEY, WEBHOOK_SECRET, session_id, "Thank you for your order"):
        assert secret not in logs


# ---------------------------------------------------------------- the race for the last units

def test_sixty_shoppers_race_for_the_last_five_units(cluster, shop_data, standin):
    with shop_data():
        device = make_product(name="Last Trainers", price_cents=29900, stock=5)
        slug, product_id = device.slug, device.id
    shoppers = [cluster.browser(f"127.0.1.{i + 1}") for i in range(60)]  # sixty different clients
    for shopper in shoppers:
        assert cluster.post_form(shopper, f"/products/{slug}", "/cart/items",
                                 {"product": slug, "quantity": "1"}).status_code == 303
    barrier = threading.Barrier(60, timeout=30)

    def buy(i: int) -> requests.Response:
        barrier.wait()
        return shoppers[i].post(cluster.url("/checkout"), headers=cluster.from_this_site(), allow_redirects=False)

    with ThreadPoolExecutor(max_workers=60) as pool:
        answers = list(pool.map(buy, range(60)))

    assert all(a.status_code == 303 for a in answers), [a.status_code for a in answers]
    won = [a for a in answers if a.headers["Location"].startswith(standin.base_url)]
    lost = [i for i, a in enumerate(answers) if a.headers["Location"].endswith("/cart")]
    assert len(won) == 5 and len(lost) == 55
    assert _stock(shop_data, product_id) == 0
    for i in lost[:10]:  # told clearly, on the cart page
        assert HELD_OR_SOLD.search(shoppers[i].get(cluster.url("/cart")).text)

    for answer in won:
        standin.expire_now(_session_id(answer.headers["Location"]))
    standin.wait_for_deliveries()
    assert _stock(shop_data, product_id) == 5
    with shop_data() as session:
        statuses = session.scalars(sa.select(Order.status).join(OrderLine).where(OrderLine.product_id == product_id))
        assert sorted(s.value for s in statuses) == ["expired"] * 5


# ---------------------------------------------------------------- one event, twenty deliveries

def test_one_event_delivered_ten_times_to_each_instance_at_once(cluster, shop_data, standin, mail):
    with shop_data():
        product = make_product(price_cents=1500, stock=10)
        slug = product.slug
    browser = cluster.browser("127.0.2.1")
    session_id = _session_id(_add_and_checkout(cluster, browser, slug).headers["Location"])
    standin.set_webhook_url(None)  # this test delivers the event itself
    try:
        standin.pay(session_id)
    finally:
        standin.set_webhook_url(f"{cluster.app_urls[0]}/webhooks/stripe")
    body = event_body(last_event(standin, "checkout.session.completed"))
    headers = {"Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET), "Content-Type": "application/json"}
    barrier = threading.Barrier(20, timeout=30)

    def deliver(i: int) -> dict:
        barrier.wait()
        return requests.post(f"{cluster.app_urls[i % 2]}/webhooks/stripe", data=body, headers=headers).json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = [answer["outcome"] for answer in pool.map(deliver, range(20))]

    assert outcomes.count("fulfilled") == 1 and set(outcomes) <= {"fulfilled", "duplicate"}
    with shop_data() as session:
        order = session.scalar(sa.select(Order).where(Order.stripe_session_id == session_id))
        paid = session.scalar(sa.select(sa.func.count()).select_from(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.to_status == OrderStatus.PAID))
        emails = session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail).where(
            OutboxEmail.dedupe_key == f"order-confirmation:{order.number}"))
        assert (order.status, paid, emails) == (OrderStatus.PAID, 1, 1)

    # SMTP down: the email waits (a failed attempt, backed off); when it is back, it goes.
    down = cluster.flask("outbox", "send", SMTP_URL=closed_port_url().replace("http", "smtp"))
    assert "0 sent, 1 failed" in down.stdout, down.stderr[-2000:]
    with shop_data() as session:
        session.execute(sa.update(OutboxEmail).where(OutboxEmail.sent_at.is_(None))
                        .values(next_attempt_at=sa.func.now() - sa.text("interval '1 second'")))
        session.commit()
    before = len(mail.mailbox.messages)
    assert "1 sent, 0 failed" in cluster.flask("outbox", "send").stdout
    assert len(mail.mailbox.wait_for(before + 1)) == before + 1


# ---------------------------------------------------------------- the database's connections ended

def test_ending_the_database_connections_mid_run_breaks_nothing_after(cluster, shop_data, standin):
    with shop_data():
        product = make_product(price_cents=900, stock=200)
        slug, product_id = product.slug, product.id
    stop = threading.Event()
    statuses: list[int] = []

    def shop(i: int) -> None:
        browser = cluster.browser(f"127.0.3.{i + 1}")
        while not stop.is_set():
            try:
                statuses.append(browser.get(cluster.url(f"/products/{slug}")).status_code)
                answer = _add_and_checkout(cluster, browser, slug)
                statuses.append(answer.status_code)
            except (AssertionError, AttributeError, requests.RequestException):
                statuses.append(-1)  # a request in flight when its connection ended

    threads = [threading.Thread(target=shop, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    ended = 0
    for _ in range(3):
        time.sleep(0.7)
        ended += terminate_connections(PG_ADMIN_URL, cluster.database_url.rsplit("/", 1)[1])
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert ended > 0 and statuses.count(200) > 0

    # Later requests all succeed: every worker's pool noticed (pre-ping) and reconnected.
    browser = cluster.browser("127.0.3.100")
    for _ in range(8):
        assert browser.get(cluster.url(f"/products/{slug}")).status_code == 200
    assert _add_and_checkout(cluster, browser, slug).status_code == 303
    # No order half-written: each has its lines and history, and the stock adds up.
    with shop_data() as session:
        orders = session.scalars(sa.select(Order).join(OrderLine).where(OrderLine.product_id == product_id)).unique().all()
        assert orders and all(o.lines and o.has_event(EventKind.CREATED) for o in orders)
        held = sum(line.quantity for o in orders for line in o.lines
                   if o.stock_state in (StockState.RESERVED, StockState.SOLD))
        assert _stock(shop_data, product_id) + held == 200


# ---------------------------------------------------------------- Redis stopped

def test_when_redis_stops_the_shop_keeps_selling_and_staff_login_waits(cluster, shop_data, standin):
    with shop_data():
        product = make_product(price_cents=900, stock=20)
        slug = product.slug
        make_staff("redis.test@example.com")
    browser = cluster.browser("127.0.4.1")
    port = int(cluster.redis_url.rsplit(":", 1)[1].split("/")[0])
    cluster.stop_redis()
    try:
        answer = _add_and_checkout(cluster, browser, slug)
        assert answer.status_code == 303 and answer.headers["Location"].startswith(standin.base_url)
        login = cluster.post_form(browser, "/login", "/login", {"email": "redis.test@example.com",
                                                                 "password": "a long staff password"})
        assert login.status_code == 503 and "Logging in is paused" in login.text
    finally:
        cluster.start_redis(port)
    deadline = time.monotonic() + 60
    while True:  # Flask-Limiter looks for its store again after a while
        login = cluster.post_form(browser, "/login", "/login", {"email": "redis.test@example.com",
                                                                 "password": "a long staff password"})
        if login.status_code == 303 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert login.status_code == 303


# ---------------------------------------------------------------- the soak

SHOPPERS = 40


def test_a_soak_of_mixed_requests_through_both_instances_reconciles_to_the_cent(cluster, shop_data, standin):
    import random

    with shop_data():
        products = [make_product(name=f"Soak product {i}", price_cents=price, stock=60)
                    for i, price in enumerate((29900, 2990, 1250, 499))]
        catalogue = {p.slug: p.id for p in products}
        make_staff("soak.staff@example.com")
    statuses: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()
    left_open: list[str] = []

    def record(response: requests.Response) -> requests.Response:
        with lock:
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{response.request.method} {response.url} {response.status_code} "
                                f"{response.headers.get('X-Request-ID')}")
        return response

    def shopper(i: int) -> None:
        rng = random.Random(i)
        browser = cluster.browser(f"127.0.5.{i + 1}")
        for _ in range(4):
            for path in ("/", "/products", f"/products/{rng.choice(list(catalogue))}", "/articles", "/search?q=hand",
                         "/testimonials", "/no-such-page", "/sitemap.xml"):
                record(browser.get(cluster.url(path)))
            for slug in rng.sample(list(catalogue), rng.randint(1, 2)):
                record(cluster.post_form(browser, f"/products/{slug}", "/cart/items",
                                         {"product": slug, "quantity": str(rng.randint(1, 2))}))
            record(browser.get(cluster.url("/cart")))
            answer = record(cluster.post_form(browser, "/cart", "/checkout", {}))
            location = answer.headers.get("Location", "")
            if not location.startswith(standin.base_url):
                continue
            session_id = _session_id(location)
            choice = rng.random()
            if choice < 0.6:
                standin.pay(session_id)
                record(browser.get(cluster.url(f"/checkout/success?session_id={session_id}")))
            elif choice < 0.75:
                standin.expire_now(session_id)
            elif choice < 0.9:
                with shop_data() as session:
                    number = session.scalar(sa.select(Order.number).where(Order.stripe_session_id == session_id))
                record(cluster.post_form(browser, f"/checkout/cancel?order={number}", "/checkout/cancel",
                                         {"order": number}))
            else:
                with lock:
                    left_open.append(session_id)

    def staff() -> None:
        browser = cluster.browser("127.0.5.250")
        assert record(cluster.post_form(browser, "/login", "/login", {
            "email": "soak.staff@example.com", "password": "a long staff password"})).status_code == 303
        for _ in range(40):
            for path in ("/admin", "/admin/orders", "/admin/orders?status=paid", "/admin/orders?status=needs_review"):
                record(browser.get(cluster.url(path)))

    logged_before = {name: len(cluster.logs(name)) for name in ("gunicorn-0", "gunicorn-1")}
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [pool.submit(shopper, i) for i in range(SHOPPERS)] + [pool.submit(staff)]
        for job in jobs:
            job.result()
    for session_id in left_open:  # nobody came back: Stripe expires them
        try:
            standin.expire_now(session_id)
        except RuntimeError:
            pass  # already expired: the same cart's next checkout replaced it
    standin.wait_for_deliveries(timeout=30)
    elapsed = time.monotonic() - started

    logs = "".join(cluster.logs(name)[offset:] for name, offset in logged_before.items())  # this test's lines
    errors = [line for line in logs.splitlines() if '"level": "ERROR"' in line]
    assert len(statuses) >= 2000 and not failures, (failures, errors[:3])
    assert '"status": 5' not in logs, errors[:3]
    print(f"\nsoak: {len(statuses)} requests in {elapsed:.1f} s, {len(left_open)} sessions left open")

    with shop_data() as session:
        orders = session.scalars(sa.select(Order).join(OrderLine).where(
            OrderLine.product_id.in_(catalogue.values()))).unique().all()
        paid = [o for o in orders if o.status is OrderStatus.PAID]
        assert paid and len(orders) > len(paid)
        for order in orders:
            # Status and stock agree, and the history ends where the order is.
            assert order.status is not OrderStatus.PENDING, order.number
            expected_stock = StockState.SOLD if order.status is OrderStatus.PAID else StockState.RELEASED
            assert order.stock_state is expected_stock, (order.number, order.status, order.stock_state)
            moves = [e.to_status for e in order.events if e.to_status is not None]
            assert order.events[0].kind is EventKind.CREATED and moves[-1] is order.status and len(moves) == 1
            # Money: lines add up, and what Stripe charged is what the order says, to the cent.
            assert order.subtotal_cents == sum(line.unit_price_cents * line.quantity for line in order.lines)
            assert order.total_cents == order.subtotal_cents + order.shipping_cents
            if order.status is OrderStatus.PAID:
                charged = standin.client().v1.checkout.sessions.retrieve(order.stripe_session_id)
                assert (charged.payment_status, charged.amount_total) == ("paid", order.total_cents)
        for slug, product_id in catalogue.items():
            sold = sum(line.quantity for o in paid for line in o.lines if line.product_id == product_id)
            assert _stock(shop_data, product_id) + sold == 60, slug
        confirmations = session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail).where(
            OutboxEmail.dedupe_key.in_([f"order-confirmation:{o.number}" for o in paid])))
        assert confirmations == len(paid)
        print(f"soak: {len(orders)} orders, {len(paid)} paid, "
              f"{sum(o.total_cents for o in paid) / 100:.2f} charged and recorded")
