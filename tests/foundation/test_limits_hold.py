"""Rate limits that hold: shared by every worker, counted per visitor behind a proxy, per
staff account as well as per client, and a policy for when Redis stops."""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from limits.storage import storage_from_string

from shop import create_app
from shop.config import ConfigError
from shop.extensions import KeptConnectionRedisStorage, limiter
from shop.orders.models import Order
from tests.conftest import stripe_config
from tests.factories import STAFF_EMAIL, make_product
from tests.support.db import count
from tests.support.html import page_text
from tests.support.live import free_port
from tests.support.shopper import add_to_cart


def _login(client, email: str, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/login", data={"email": email, "password": "wrong"}, headers=headers)


def test_several_workers_with_in_memory_limits_refuse_to_start(monkeypatch):
    # Found by probing: with memory:// each gunicorn worker counted alone, and 19 login
    # attempts a minute passed with 2 workers against a limit of 10.
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    base = {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI=redis"):
        create_app({**base, "WEB_CONCURRENCY": 2, "RATELIMIT_STORAGE_URI": "memory://"})
    assert create_app({**base, "WEB_CONCURRENCY": 1, "RATELIMIT_STORAGE_URI": "memory://"})
    assert create_app({**base, "WEB_CONCURRENCY": 4, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"})


def test_staff_login_is_limited_per_account_whatever_the_client(app, client, staff):
    statuses = [_login(app.test_client(), STAFF_EMAIL).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert _login(client, "someone.else@example.com").status_code == 200  # other accounts are not held up


@pytest.fixture
def app_config():
    return {"PROXY_COUNT": 1}


def test_behind_a_proxy_each_visitor_is_counted_on_their_own(app, client):
    # Found by probing: behind a proxy every visitor shared the proxy's address.
    for i in range(10):
        assert _login(client, f"a{i}@example.com", "203.0.113.7").status_code == 200
    assert _login(client, "a10@example.com", "203.0.113.7").status_code == 429
    assert _login(client, "b@example.com", "198.51.100.9").status_code == 200


def test_without_a_trusted_proxy_a_claimed_address_is_ignored(app, another_app):
    client = another_app(PROXY_COUNT=0).test_client()
    statuses = [_login(client, f"c{i}@example.com", f"203.0.113.{i}").status_code for i in range(11)]
    assert statuses == [200] * 10 + [429]


# ---------------------------------------------------------------- Redis stops

@pytest.fixture
def private_redis() -> Iterator[str]:
    """A redis-server of this test's own, on a free port: the test stops it, never the
    machine's shared one."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)
    # Flask-Limiter's one limiter lives as long as the process and remembers that its store
    # went down, across apps: the next test's app must start with its own store in use.
    limiter._storage_dead = False


def test_when_redis_stops_the_shop_keeps_selling_and_staff_login_waits(app, another_app, private_redis, standin):
    # No key prefix: the Redis is this test's own, and Flask-Limiter's one limiter keeps the
    # first prefix any app in the process gave it (later apps would count under it).
    shop = another_app(RATELIMIT_STORAGE_URI=private_redis, RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5},
                       **stripe_config(standin))
    client = shop.test_client()
    product = make_product(stock=5)
    with shop.app_context():
        assert _login(client, "x@example.com").status_code == 200  # limits counted in Redis
        redis.Redis.from_url(private_redis).shutdown(nosave=True)

        # Shopping fails open: counted in each worker's memory until Redis is back.
        add_to_cart(client, product, 1)
        checkout = client.post("/checkout")
        login = _login(client, "x@example.com")

    assert checkout.status_code == 303 and count(Order) == 1
    # Staff login fails closed: guesses would otherwise be limited per worker only.
    assert login.status_code == 503 and "Logging in is paused" in page_text(login)


def test_counts_go_out_on_a_kept_connection_that_outlives_a_cut_a_script_flush_and_a_fork(private_redis):
    """shop.extensions.KeptConnectionRedisStorage: the storage a redis:// URI gets."""
    storage = storage_from_string(private_redis, socket_timeout=0.5, socket_connect_timeout=0.5)
    assert isinstance(storage, KeptConnectionRedisStorage)
    admin = redis.Redis.from_url(private_redis)
    assert [storage.incr("add", 60) for _ in range(3)] == [1, 2, 3]  # the first loads the script
    assert 0 < admin.ttl("LIMITS:add") <= 60 and storage.get("add") == 3
    connections = len(admin.client_list())
    assert [storage.incr("add", 60) for _ in range(20)] == list(range(4, 24))
    assert len(admin.client_list()) == connections  # one kept, not one each

    admin.script_flush()
    assert storage.incr("add", 60) == 24
    admin.client_kill_filter(_type="normal", skipme=True)  # as a restart or an idle timeout would
    assert storage.incr("add", 60) == 25  # once more on a new connection: not an error

    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # a forked worker counts on a connection of its own
        try:
            os.write(writer, str(storage.incr("add", 60)).encode())
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    assert os.read(reader, 16) == b"26" and storage.incr("add", 60) == 27


def test_a_count_redis_cannot_take_is_the_clients_error(private_redis):
    # Flask-Limiter falls back to counting in memory on the client's errors (the test above).
    storage = storage_from_string(private_redis, socket_timeout=0.5, socket_connect_timeout=0.5)
    assert storage.incr("add", 60) == 1
    redis.Redis.from_url(private_redis).shutdown(nosave=True)
    with pytest.raises(redis.ConnectionError):
        storage.incr("add", 60)
