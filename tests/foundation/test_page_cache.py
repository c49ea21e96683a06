"""Public pages from the page cache (shop/caching.py): what proxies and browsers are told,
what is kept, and that a change to public content shows on the next request to any app
server, wherever it was made."""
import gzip
import re
import threading
import time

import brotli
import psycopg
import pytest
import redis
import sqlalchemy as sa
import time_machine
from werkzeug.test import EnvironBuilder, run_wsgi_app

from shop import create_app
from shop.caching import CachedPage, PageStore, content_changed
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import OrderStatus, StockState
from shop.orders.services import reserve_stock
from tests.conftest import ShopClient, make_test_config
from tests.factories import STAFF_EMAIL, make_article, make_order, make_product, make_staff, make_submitted_story
from tests.support.html import page_text
from tests.support.shopper import add_to_cart, log_in

REDIS_URL = "redis://127.0.0.1:6379/14"
PUBLIC_PATHS = ["/", "/products", "/products/probe", "/articles", "/articles/probe-article", "/testimonials",
                "/search?q=probe", "/newsletter", "/testimonials/submit", "/sitemap.xml", "/feed.xml", "/robots.txt"]


@pytest.fixture
def probe(app):
    product = make_product(slug="probe", name="Probe Trainer", price_cents=2500, stock=20)
    make_article(slug="probe-article", title="Probe article", body=f"Text.\n\n[[product:{product.slug}]]")
    return product


def _raw_sql(statement: str, **params) -> None:
    """Change the database behind the ORM's back: no session event sees this."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(statement), params)


# ---------------------------------------------------------------- what a visitor without cookies gets

@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_a_public_page_for_a_visitor_without_cookies_is_cacheable_by_anyone(client, probe, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=60"
    etag = response.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag


def test_a_cached_page_costs_no_query_and_is_the_same_page(client, probe, count_queries):
    first = client.get("/products/probe")
    with count_queries() as queries:
        second = client.get("/products/probe")
    assert len(queries) == 1 and "content_versions" in queries[0]  # only the content version is read
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]


def test_the_page_is_kept_until_public_content_changes(client, probe):
    assert "Probe Trainer" in page_text(client.get("/products/probe"))
    _raw_sql("UPDATE products SET name = 'Renamed quietly' WHERE slug = 'probe'")
    assert "Probe Trainer" in page_text(client.get("/products/probe"))  # kept: nobody said so
    content_changed()
    db.session.commit()
    assert "Renamed quietly" in page_text(client.get("/products/probe"))


def test_an_orm_change_shows_on_the_next_request(client, probe):
    assert "$25.00" in page_text(client.get("/products/probe"))
    probe.price_cents = 1999
    db.session.commit()
    for path in ("/products/probe", "/products", "/articles/probe-article"):
        assert "$19.99" in page_text(client.get(path)), path


def test_stock_taken_at_checkout_shows_at_once(client, probe):
    """reserve_stock changes stock with an update() statement, not through the object."""
    assert "In stock" in page_text(client.get("/products/probe"))
    order = make_order(status=OrderStatus.PENDING, commit=False)
    order.lines[0].product_id, order.lines[0].quantity = probe.id, 17
    reserve_stock(order)
    db.session.commit()
    assert "Only 3 left" in page_text(client.get("/products/probe"))


def test_a_change_rolled_back_keeps_the_cached_page(app, client, probe, count_queries):
    client.get("/products/probe")
    probe.price_cents = 1
    db.session.rollback()
    with count_queries() as queries:
        assert "$25.00" in page_text(client.get("/products/probe"))
    assert len(queries) == 1  # the version, unchanged: the kept page


def test_a_savepoint_rolled_back_leaves_the_change_made_around_it(client, probe):
    """Fulfilment records Stripe's events in a savepoint; its rollback must not lose the bump."""
    client.get("/products/probe")
    probe.price_cents = 1234
    db.session.flush()
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            make_product(slug="never", commit=False)
            raise RuntimeError("this part is given up")
    db.session.commit()
    assert "$12.34" in page_text(client.get("/products/probe"))


def test_pages_that_are_not_found_are_not_kept(client, probe):
    assert client.get("/products/coming-soon").status_code == 404
    make_product(slug="coming-soon", name="Coming Soon")
    assert "Coming Soon" in page_text(client.get("/products/coming-soon"))


def test_a_scheduled_article_shows_at_its_moment_on_pages_kept_before_it(app, client, probe):
    """Pages that change with time alone end at the moment known in advance, not up to
    PAGE_CACHE_SECONDS later."""
    from datetime import timedelta

    from shop.content.models import ArticleStatus
    from shop.database import utcnow

    nine = utcnow().replace(microsecond=0) + timedelta(hours=1)
    make_article(slug="at-nine", title="Goes public by itself", status=ArticleStatus.SCHEDULED, published_at=nine)
    with time_machine.travel(nine - timedelta(seconds=1), tick=False) as clock:
        assert "Goes public by itself" not in page_text(client.get("/articles"))
        assert client.get("/articles").headers["ETag"]  # kept
        clock.move_to(nine)
        assert "Goes public by itself" in page_text(client.get("/articles"))
        assert client.get("/articles/at-nine").status_code == 200


def test_pages_are_kept_only_page_cache_seconds_for_changes_nobody_announced(app, client, probe):
    app.config["PAGE_CACHE_SECONDS"] = 1
    assert "Probe Trainer" in page_text(client.get("/products"))
    _raw_sql("UPDATE products SET name = 'Renamed Trainer' WHERE slug = 'probe'")
    assert "Probe Trainer" in page_text(client.get("/products"))  # nobody said: the kept page
    time.sleep(1.1)
    assert "Renamed Trainer" in page_text(client.get("/products"))


def test_compressed_copies_are_kept_and_are_the_same_page(client, probe):
    plain = client.get("/products/probe").data
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = client.get("/products/probe", headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding and "Accept-Encoding" in response.headers["Vary"]
        assert decompress(response.data) == plain
        assert len(response.data) < len(plain) / 2


def test_head_gets_the_headers_without_the_page(client, probe):
    client.get("/products/probe")
    response = client.head("/products/probe")
    assert response.status_code == 200 and response.data == b"" and response.headers["ETag"]


# ---------------------------------------------------------------- visitors with a cart or a session

def test_a_visitor_with_a_cart_gets_the_cached_page_with_their_mini_cart(app, client, probe, count_queries):
    anonymous = app.test_client()
    anonymous.get("/products/probe")  # kept
    add_to_cart(client, probe, 2)
    client.get("/cart")  # the "Added" message is read; only the cart cookie stays
    assert client.get_cookie("session") is None
    with count_queries() as queries:
        response = client.get("/products/probe")
    # The mini-cart and the content version, in one statement (SlotReads): nothing else.
    assert len(queries) == 1 and "cart_lines" in queries[0] and "content_versions" in queries[0]
    assert "Cart: 2 items, $50.00" in page_text(response)
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "No products in the cart" in page_text(anonymous.get("/products/probe"))  # nothing leaked


def test_a_visitor_with_a_cart_on_a_page_not_yet_kept_leaves_the_page_for_everyone(app, client, probe):
    add_to_cart(client, probe, 1)
    client.get("/cart")
    assert "Cart: 1 item, $25.00" in page_text(client.get("/products"))
    response = app.test_client().get("/products")
    assert "No products in the cart" in page_text(response) and "Cart: 1 item" not in page_text(response)


def test_a_cart_whose_checkout_holds_stock_gets_pages_rendered_for_it(app, client, probe):
    """What such a cart may add depends on its hold: the cached page cannot say it."""
    app.test_client().get("/products/probe")
    add_to_cart(client, probe, 1)
    client.get("/cart")
    token = db.session.scalar(sa.text("SELECT token FROM carts"))
    order = make_order(status=OrderStatus.PENDING, cart_token=token, commit=False)
    order.lines[0].product_id, order.lines[0].quantity = probe.id, 15
    reserve_stock(order)
    assert order.stock_state is StockState.RESERVED
    db.session.commit()
    page = client.get("/products/probe").get_data(as_text=True)
    assert 'max="10"' in page  # 5 on the shelf, 15 held for this cart: the per-line limit
    assert 'max="5"' in app.test_client().get("/products/probe").get_data(as_text=True)


def test_the_message_after_adding_shows_once_then_pages_come_from_the_cache(app, client, probe, count_queries):
    """The message rides in the `notice` cookie (shop/notices.py), not in a signed session."""
    response = client.post("/cart/items", data={"product": "probe", "quantity": "1", "next": "/products/probe"})
    assert response.status_code == 303
    assert client.get_cookie("notice").value == "added" and client.get_cookie("session") is None
    shown = client.get("/products/probe")
    assert "Added to your cart." in page_text(shown) and shown.headers["Cache-Control"] == "private, no-cache"
    assert client.get_cookie("notice") is None  # shown: the cookie is gone
    assert "Added to your cart." not in page_text(app.test_client().get("/products/probe"))  # never kept for others
    with count_queries() as queries:
        again = client.get("/products/probe")
    assert "Added to your cart." not in page_text(again) and "Cart: 1 item" in page_text(again)
    assert len(queries) == 1  # the version and the mini-cart, in one statement: the kept page, filled in


def test_a_notice_cookie_names_one_of_our_messages_or_shows_nothing(app, client, probe):
    """Nothing in it is signed, so nothing in it is shown: a name we do not know is dropped."""
    app.test_client().get("/products/probe")  # kept for everyone
    for forged in ("<script>alert(1)</script>", "added\x00", "x" * 4000, "session"):
        client.set_cookie("notice", forged)
        page = client.get("/products/probe")
        assert page.status_code == 200 and "alert(1)" not in page.get_data(as_text=True)
        assert not page_text(page).count("Added to your cart.") and client.get_cookie("notice") is None
    client.set_cookie("notice", "removed")
    assert "Removed from your cart." in page_text(client.get("/products/probe"))
    assert "Removed from your cart." not in page_text(app.test_client().get("/products/probe"))


def test_a_flashed_message_and_a_notice_show_together(client, probe):
    make_product(slug="strap", stock=3)
    client.post("/cart/items", data={"product": "strap", "quantity": "1"})
    client.post("/cart/items", data={"product": "strap", "quantity": "3"})  # over the shelf: flashed
    text = page_text(client.get("/cart"))
    assert "Added to your cart." in text and "only 3" in text
    assert client.get_cookie("notice") is None and client.get_cookie("session") is None


def test_logged_in_staff_get_pages_rendered_for_them_and_nobody_else_sees_them(app, client, probe):
    make_staff()
    log_in(client, STAFF_EMAIL)
    staff_page = client.get("/products/probe")
    assert "Log out" in page_text(staff_page) and staff_page.headers["Cache-Control"] == "private, no-cache"
    assert "Log out" not in page_text(app.test_client().get("/products/probe"))


def test_cart_and_other_pages_for_a_visitor_with_cookies_are_private(client, probe):
    add_to_cart(client, probe, 1)
    assert client.get("/cart").headers["Cache-Control"] == "private, no-cache"


def _cart_page_whole(app, client) -> str:
    """The cart page as drawn whole for this visitor (the frame bypassed)."""
    app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        return client.get("/cart").get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 300


def test_the_cart_page_drawn_into_its_kept_frame_is_the_page_drawn_whole(app, client, probe, count_queries):
    other = make_product(slug="strap", name="Strap", price_cents=900, stock=3)
    add_to_cart(client, probe, 2)
    add_to_cart(client, other, 1)
    client.get("/cart")  # the "Added" message is read; only the cart cookie stays
    client.get("/cart")  # the frame is kept
    with count_queries() as queries:
        framed = client.get("/cart")
    # The cart and the content version, in one statement.
    assert len(queries) == 1 and "cart_lines" in queries[0] and "content_versions" in queries[0]
    assert framed.headers["Cache-Control"] == "private, no-cache"
    assert framed.get_data(as_text=True) == _cart_page_whole(app, client)
    assert "Cart: 3 items, $59.00" in page_text(framed) and "Probe Trainer" in page_text(framed)
    for _ in range(2):  # a visitor without cookies, answered in front of Flask or not, never gets the bare frame
        empty = app.test_client().get("/cart").get_data(as_text=True)
        assert "No products in the cart." in empty and "<!--page-content-->" not in empty


def test_the_cart_page_frame_gives_way_to_a_content_change(app, client, probe):
    add_to_cart(client, probe, 1)
    client.get("/cart")
    assert "$25.00" in page_text(client.get("/cart"))
    with app.app_context():
        db.session.get(Product, probe.id).price_cents = 3100
        db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "$31.00" in page and page == _cart_page_whole(app, client)


def test_the_cart_page_for_visitors_with_a_message_or_staff_is_drawn_whole(app, client, probe):
    add_to_cart(client, probe, 1)
    client.get("/cart")
    client.get("/cart")  # the frame is kept (no message in it)
    response = client.post("/cart/items", data={"product": "probe", "quantity": "1"})
    assert response.status_code == 303
    assert "Added to your cart." in page_text(client.get("/cart"))
    make_staff()
    log_in(client, STAFF_EMAIL)
    assert "Log out" in page_text(client.get("/cart"))
    assert "Log out" not in page_text(app.test_client().get("/cart"))


def test_an_empty_cart_page_and_one_with_a_query_are_drawn_alike(app, client, probe):
    assert "No products in the cart." in page_text(client.get("/cart"))
    add_to_cart(client, probe, 1)
    client.get("/cart")
    page = client.get("/cart?utm_source=mail").get_data(as_text=True)
    assert "Probe Trainer" in page
    assert re.search(r'rel="canonical" href="([^"]+)"', page).group(1).endswith("/cart")  # no query


# ---------------------------------------------------------------- several app servers

@pytest.fixture(params=["database", "redis"])
def version_store(request, database_url):
    """Where the content version lives: the database, or Redis shared by the servers."""
    if request.param == "database":
        yield {}
        return
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis is part of this machine: fail, never skip, when it is missing
    yield {"PAGE_CACHE_REDIS_URL": REDIS_URL}
    for key in client.scan_iter("shop:content-version:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def app_config(request):
    return request.getfixturevalue("version_store") if "version_store" in request.fixturenames else {}


@pytest.fixture
def other_server(app, database_url, version_store):
    """A second app server on the same database (and Redis), with its own page cache."""
    server = create_app(make_test_config(database_url, **version_store))
    server.test_client_class = ShopClient
    yield server
    with server.app_context():
        db.engine.dispose()


def test_a_change_made_through_one_server_shows_on_the_next_request_to_the_other(
        app, client, probe, other_server, version_store):
    make_staff()
    story = make_submitted_story("Rosa", story="I walked to the shop on my own.\n\nIt took a year.")
    visitor = other_server.test_client()
    shopper = other_server.test_client()  # a cart: the kept page, their mini-cart filled in
    add_to_cart(shopper, make_product(slug="strap", price_cents=900), 1)
    shopper.get("/cart")
    for someone in (visitor, shopper):
        assert "Rosa" not in page_text(someone.get("/testimonials"))
        assert "Rosa" not in page_text(someone.get("/testimonials"))  # from the cache
    assert "$25.00" in page_text(visitor.get("/products/probe"))

    log_in(client, STAFF_EMAIL)  # staff on the first server publish the story
    assert client.post(f"/admin/stories/{story.id}/publish").status_code == 303
    assert "Rosa" in page_text(visitor.get("/testimonials"))
    shoppers_page = page_text(shopper.get("/testimonials"))
    assert "Rosa" in shoppers_page and "Cart: 1 item, $9.00" in shoppers_page

    with app.app_context():  # a price changed through the first server's session
        db.session.get(Product, probe.id).price_cents = 3100
        db.session.commit()
    assert "$31.00" in page_text(visitor.get("/products/probe"))


def test_a_server_that_cannot_read_the_version_renders_pages_and_keeps_selling(app, database_url, probe):
    """Redis out of reach: pages are rendered (never a stale one), saves still work."""
    from tests.support.live import closed_port_url

    broken = create_app(make_test_config(database_url, PAGE_CACHE_REDIS_URL=closed_port_url().replace("http", "redis")))
    broken.test_client_class = ShopClient
    visitor = broken.test_client()
    try:
        assert "$25.00" in page_text(visitor.get("/products/probe"))
        add_to_cart(visitor, probe, 1)
        with broken.app_context():
            db.session.get(Product, probe.id).price_cents = 2600
            db.session.commit()  # the version cannot move on: the save stands all the same
        assert "$26.00" in page_text(visitor.get("/products/probe"))
        for _ in range(2):  # the "Added" message is shown; then only the cart cookie is sent
            for path in ("/products/probe", "/cart"):
                page = visitor.get(path)
                assert page.status_code == 200 and "Cart: 1 item, $26.00" in page_text(page)
    finally:
        with broken.app_context():
            db.engine.dispose()


# ---------------------------------------------------------------- the store itself

@pytest.mark.postgres_only
@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_a_cached_page_outlives_the_end_of_the_connection_its_version_is_read_on(app, client, probe, count_queries):
    """Each worker reads the version on a connection it keeps (shop.database.QuickRead). A
    server restart ends it: that request is rendered, the next ones are served again."""
    from shop import database

    client.get("/products/probe")
    assert client.get("/products/probe").status_code == 200  # from the cache, on the kept connection
    kept = database._HELD.held.connection
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": kept.info.backend_pid})
    rendered = client.get("/products/probe")
    assert rendered.status_code == 200 and "Probe Trainer" in page_text(rendered)
    with count_queries() as queries:
        again = client.get("/products/probe")
    assert again.status_code == 200 and len(queries) == 1  # the version, on a new connection
    assert database._HELD.held.connection is not kept and kept.closed


@pytest.mark.postgres_only
@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_the_connection_a_thread_keeps_for_version_reads_is_closed_when_the_thread_ends(app):
    """A server that starts a thread per request (Flask's own) must not leave a connection
    open per request."""
    from shop import database

    kept = []

    def request_thread() -> None:
        with app.app_context():
            app.extensions["page_cache"].versions.current()
            kept.append(database._HELD.held.connection)

    threads = [threading.Thread(target=request_thread) for _ in range(3)]
    for thread in threads:
        thread.start()
        thread.join()
    assert len({id(c) for c in kept}) == 3 and all(c.closed for c in kept)


@pytest.mark.postgres_only
@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_quick_reads_on_postgresql_run_prepared_with_their_values_as_given(app):
    """On PostgreSQL a quick read is prepared once per connection and run by libpq: values
    (None too) reach the query as given, percent signs in the SQL stay one percent sign, and
    a failing read raises and leaves the next read a working connection."""
    from shop import database
    from shop.database import QuickRead

    read = QuickRead(lambda value: sa.select(sa.literal("100%"), sa.func.length(value), value))
    with app.app_context():
        assert read.rows("a%b", "a%b") == [("100%", 3, "a%b")]  # each placeholder filled in order
        assert read.rows(None, None) == [("100%", None, None)]
        kept = database._HELD.held.connection
        failing = QuickRead(lambda value: sa.select(sa.cast(value, sa.Integer).label("n")))
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            failing.rows("not a number")
        assert failing.rows("42") == [(42,)]
        assert kept.closed and database._HELD.held.connection is not kept


def test_a_quick_read_beside_the_version_gives_both_in_one_statement(app, count_queries):
    """How a cached page reads a visitor's cart and the content version together
    (shop.database.QuickReadBeside): the read's rows in their order, the version beside
    them; a read that finds nothing brings no version (it is then read on its own)."""
    from shop.caching import _VERSION
    from shop.database import QuickRead

    for slug in ("b-strap", "c-grip", "a-ball"):
        make_product(slug=slug)
    slugs = QuickRead(lambda value: sa.select(Product.slug).where(Product.slug != value).order_by(Product.slug.desc()))
    with app.app_context():
        version = _VERSION.rows()[0][0]
        with count_queries() as queries:
            assert slugs.beside(_VERSION).rows("b-strap") == (version, [("c-grip",), ("a-ball",)])
        assert len(queries) == 1
        assert slugs.beside(_VERSION).rows("zzz") == (version, [("c-grip",), ("b-strap",), ("a-ball",)])
        nothing = QuickRead(lambda value: sa.select(Product.slug).where(Product.slug == value))
        assert nothing.beside(_VERSION).rows("none such") == (None, [])
        assert slugs.beside(_VERSION) is slugs.beside(_VERSION)  # made once


def test_a_cached_page_outlives_the_end_of_the_redis_connection_its_version_is_read_on(database_url, probe):
    server = create_app(make_test_config(database_url, PAGE_CACHE_REDIS_URL=REDIS_URL))
    server.test_client_class = ShopClient
    admin = redis.Redis.from_url(REDIS_URL)
    try:
        visitor = server.test_client()
        visitor.get("/products/probe")
        assert "Probe Trainer" in page_text(visitor.get("/products/probe"))  # from the cache
        versions = server.extensions["page_cache"].versions
        host, port = versions.kept.local.held[1]._sock.getsockname()[:2]
        assert admin.client_kill(f"{host}:{port}")  # as a Redis restart would
        assert "Probe Trainer" in page_text(visitor.get("/products/probe"))  # read again on a new connection
        assert "Probe Trainer" in page_text(visitor.get("/products/probe"))
        assert versions.kept.local.held[1]._sock.getsockname()[1] != port
    finally:
        admin.close()
        with server.app_context():
            db.engine.dispose()


def test_a_redis_version_read_around_other_work_gets_its_own_reply_whatever_happens():
    """KeptRedisConnection.ask_around (the version read beside a visitor's mini-cart, with
    PAGE_CACHE_REDIS_URL): the reply and the work's result; a connection Redis closed
    meanwhile is replaced; work that fails leaves no reply behind to be read as the next."""
    from shop.extensions import KeptRedisConnection

    client, admin = redis.Redis.from_url(REDIS_URL), redis.Redis.from_url(REDIS_URL)
    kept = KeptRedisConnection(client)
    try:
        admin.set("shop:test:around", "7")
        get = kept.pack("GET", "shop:test:around")
        assert kept.ask_around(get, lambda: "rows") == (b"7", "rows")

        def kill_the_connection() -> str:  # Redis ends it while the work runs
            host, port = kept.local.held[1]._sock.getsockname()[:2]
            assert admin.client_kill(f"{host}:{port}")
            return "rows"

        ended = kept.local.held[1]
        assert kept.ask_around(get, kill_the_connection) == (b"7", "rows")
        assert kept.ask_around(get, lambda: "rows") == (b"7", "rows")  # sent again on a new one
        assert kept.local.held[1] is not ended

        def failing_work() -> str:
            raise RuntimeError("the database is down")

        with pytest.raises(RuntimeError):
            kept.ask_around(get, failing_work)
        admin.set("shop:test:around", "8")
        assert kept.ask(kept.pack("GET", "shop:test:around")) == b"8"  # not the reply left unread
    finally:
        admin.delete("shop:test:around")
        client.close()
        admin.close()


def test_the_store_keeps_the_most_recently_used_pages_within_its_size():
    store = PageStore(max_bytes=5000)  # five pages of 500 bytes (kept whole and in parts)
    for n in range(5):
        store.put(f"/p{n}", CachedPage((1, 0), time.monotonic() + 60, "text/html", b"x" * 500, b"", b""))
    store.get("/p0", (1, 0))  # used again: kept
    store.put("/p5", CachedPage((1, 0), time.monotonic() + 60, "text/html", b"x" * 500, b"", b""))
    assert store.bytes <= 5000
    assert store.get("/p0", (1, 0)) is not None and store.get("/p1", (1, 0)) is None
    assert store.get("/p5", (2, 0)) is None  # another version: let go
    assert "/p5" not in store.pages


def test_a_page_for_a_probe_with_a_huge_query_is_not_kept(client, probe):
    path = "/products/probe?" + "x" * 600
    assert client.get(path).status_code == 200
    assert not any(key.startswith("/products/probe?x") for key in client.application.extensions["page_cache"].pages.pages)


def test_each_crawled_query_is_bounded_by_the_store(app, client, probe):
    app.extensions["page_cache"].pages.max_bytes = 200_000
    for n in range(60):
        assert client.get(f"/search?q=probe{n}").status_code == 200
    assert app.extensions["page_cache"].pages.bytes <= 200_000


def test_the_version_key_in_redis_is_per_database():
    from shop.caching import RedisVersions

    one, two = RedisVersions(REDIS_URL, "sqlite:///a"), RedisVersions(REDIS_URL, "sqlite:///b")
    assert one.key != two.key  # two shops on one Redis never share a version


# ---------------------------------------------------------------- answered before Flask

def _requests_counted(route: str, status: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("shop_http_requests_total",
                                     {"method": "GET", "route": route, "status": status}) or 0.0


def test_a_kept_page_for_a_visitor_without_cookies_is_answered_before_flask_alike(app, client, probe):
    """CachedPages (the WSGI middleware) answers repeat visits without cookies: no Flask
    request, no hook, and the same page, headers and figures as Flask's own answer."""
    views = []
    app.before_request_funcs[None].insert(0, lambda: views.append(1))
    rendered = client.get("/products/probe")
    assert views == [1]
    counted = _requests_counted("/products/<slug>", "200")

    kept = client.get("/products/probe", headers={"X-Request-ID": "from-nginx-0001"})
    assert views == [1]  # Flask never saw it
    assert kept.data == rendered.data
    same = ("Content-Type", "Content-Length", "ETag", "Cache-Control", "Vary", "Content-Security-Policy",
            "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy")
    assert {name: kept.headers.get(name) for name in same} == {name: rendered.headers.get(name) for name in same}
    assert kept.headers["X-Request-ID"] == "from-nginx-0001"
    assert _requests_counted("/products/<slug>", "200") == counted + 1

    compressed = client.get("/products/probe", headers={"Accept-Encoding": "br"})
    assert compressed.headers["Content-Encoding"] == "br" and brotli.decompress(compressed.data) == rendered.data
    unchanged = client.get("/products/probe", headers={"If-None-Match": rendered.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    head = client.head("/products/probe")
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == str(len(rendered.data))
    assert views == [1]


def test_what_cached_pages_do_not_answer_goes_on_to_flask(app, client, probe):
    views = []
    app.before_request_funcs[None].insert(0, lambda: views.append(1))
    client.get("/products/probe")
    assert client.get("/products/probe", headers={"Host": "evil.example"}).status_code == 400  # not our host
    for cookie in ("session", "notice"):  # a page drawn for its visitor
        client.set_cookie(cookie, "x")
        assert client.get("/products/probe").status_code == 200
        client.delete_cookie(cookie)
    with db.session.begin():
        db.session.execute(sa.update(Product).where(Product.slug == "probe").values(name="Renamed Probe"))
    assert "Renamed Probe" in page_text(client.get("/products/probe"))  # the version moved: rendered again
    assert views == [1, 1, 1, 1, 1]
    client.set_cookie("cart", "forged.token")  # no cart: the page as everyone gets it, here
    forged = client.get("/products/probe")
    assert "No products in the cart" in page_text(forged) and forged.headers["Cache-Control"].startswith("public")
    assert views == [1, 1, 1, 1, 1]


def test_a_kept_page_for_a_visitor_with_a_cart_is_answered_before_flask_alike(app, client, probe, count_queries):
    """CachedPages answers a visitor with a cart too: the kept page with their mini-cart,
    read with the version in one statement; the same page, headers and figures as Flask's."""
    app.test_client().get("/products/probe")  # kept
    add_to_cart(client, probe, 2)
    client.get("/cart")  # the "Added" message is read; only the cart cookie stays
    views = []
    app.before_request_funcs[None].insert(0, lambda: views.append(1))
    cache = app.extensions["page_cache"]
    from_cookies, cache.fill_slot_from_cookies = cache.fill_slot_from_cookies, None
    through_flask = {encoding: client.get("/products/probe", headers={"Accept-Encoding": encoding})
                     for encoding in ("", "gzip", "br", "gzip, deflate, br, zstd")}
    assert len(views) == 4
    cache.fill_slot_from_cookies = from_cookies
    counted = _requests_counted("/products/<slug>", "200")

    with count_queries() as queries:
        kept = {encoding: client.get("/products/probe", headers={"Accept-Encoding": encoding})
                for encoding in through_flask}
    assert len(views) == 4  # Flask never saw them
    assert len(queries) == 4 and all("cart_lines" in q and "content_versions" in q for q in queries)
    assert _requests_counted("/products/<slug>", "200") == counted + 4
    same = ("Content-Type", "Content-Length", "Content-Encoding", "ETag", "Cache-Control", "Vary",
            "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
            "Permissions-Policy", "Set-Cookie")
    for encoding, response in kept.items():
        assert response.data == through_flask[encoding].data, encoding
        assert ({name: response.headers.get(name) for name in same}
                == {name: through_flask[encoding].headers.get(name) for name in same}), encoding
    assert "Cart: 2 items, $50.00" in page_text(kept[""]) and kept[""].headers["Cache-Control"] == "private, no-cache"
    assert kept["br"].headers["Content-Encoding"] == "br" and kept["gzip"].headers["Content-Encoding"] == "gzip"
    assert "Cart: 2 items, $50.00" in brotli.decompress(kept["br"].data).decode()
    unchanged = client.get("/products/probe", headers={"If-None-Match": kept[""].headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    head = client.head("/products/probe")
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == str(len(kept[""].data))
    assert "No products in the cart" in page_text(app.test_client().get("/products/probe"))  # nothing leaked
    assert len(views) == 4

    with app.app_context():  # what the cart holds changed elsewhere: the next page says so
        db.session.get(Product, probe.id).price_cents = 3000
        db.session.commit()
    client.get("/products/probe")
    assert "Cart: 2 items, $60.00" in page_text(client.get("/products/probe"))
    client.get("/products/probe", environ_overrides={"SCRIPT_NAME": "/shop"})  # behind a path prefix: Flask draws it
    assert len(views) == 6


@pytest.mark.parametrize("path", ["/robots.txt", "/sitemap.xml", "/feed.xml"])
def test_a_kept_page_without_a_mini_cart_is_the_same_for_a_visitor_with_a_cart(app, client, probe, path):
    everyone = app.test_client().get(path)  # kept
    add_to_cart(client, probe, 1)
    client.get("/cart")
    for _ in range(2):  # through Flask, then before it
        response = client.get(path)
        assert response.data == everyone.data and b"mini-cart" not in response.data
        assert response.headers["Cache-Control"] == everyone.headers["Cache-Control"]
        assert response.headers["ETag"] == everyone.headers["ETag"]
    app.extensions["page_cache"].fill_slot_from_cookies = None  # Flask's path alone
    assert client.get(path).data == everyone.data


@pytest.mark.parametrize("cookie", ["cart=\xff\xfe.\xc3", "cart=\x00; cart=", "cart=" + "a" * 8000, "=; ;;cart"])
def test_cookies_no_browser_sends_get_the_page_as_everyone_does(app, probe, cookie):
    """Bytes that are not UTF-8 (the server hands them on as Latin-1), NUL bytes, a huge or
    empty value: no cart, and never a 500, before Flask or through it. (Sent past the test
    client, whose cookie jar would replace the header.)"""
    app.test_client().get("/products/probe")  # kept
    for _ in range(2):
        environ = EnvironBuilder(path="/products/probe").get_environ()
        environ["HTTP_COOKIE"] = cookie
        body, status, _headers = run_wsgi_app(app, environ, buffered=True)
        assert status == "200 OK" and b"No products in the cart" in b"".join(body)
