"""Rate limits hold across several app servers when they share Redis."""
import uuid

import pytest
import redis

from shop import create_app
from shop.extensions import db
from tests.conftest import ShopClient, make_test_config
from tests.support.html import page_text

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_prefix():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis is part of this machine: fail, never skip, when it is missing
    prefix = f"shop-test-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def app_config(redis_prefix):
    return {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}


def test_two_app_servers_share_one_login_limit_through_redis(app, database_url, app_config):
    other_server = create_app(make_test_config(database_url, **app_config))
    other_server.test_client_class = ShopClient
    a, b = app.test_client(), other_server.test_client()
    def attempt(i: int) -> dict[str, str]:  # a different account each time: this is the per-client limit
        return {"email": f"staff{i}@example.com", "password": "wrong"}

    try:
        statuses = [(a if i % 2 else b).post("/login", data=attempt(i)).status_code for i in range(10)]
        assert 429 not in statuses  # ten attempts a minute are allowed in all
        refused = a.post("/login", data=attempt(10))
        assert refused.status_code == 429 and "slow down" in page_text(refused)
        assert b.post("/login", data=attempt(11)).status_code == 429
    finally:
        with other_server.app_context():
            db.engine.dispose()


def test_limits_on_views_hold_and_a_default_limit_set_in_the_settings_is_counted(database_url, redis_prefix):
    """The before-request pass is left out only while there is nothing for it to count
    (shop.extensions.ShopLimiter): a default limit brings it back."""
    limited = create_app(make_test_config(database_url, RATELIMIT_STORAGE_URI=REDIS_URL,
                                          RATELIMIT_KEY_PREFIX=redis_prefix, RATELIMIT_DEFAULT="3 per minute"))
    limited.test_client_class = ShopClient
    try:
        visitor = limited.test_client()
        # A client of its own: counts are kept per client, and one limiter serves every app here.
        visitor.environ_base["REMOTE_ADDR"] = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
        statuses = [visitor.get("/cart").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
    finally:
        from shop.extensions import limiter
        limiter.limit_manager.set_default_limits([])  # one limiter for every app the tests make
        with limited.app_context():
            db.engine.dispose()


def test_flask_limiters_after_request_work_runs_where_a_limit_was_counted_and_only_there(database_url, redis_prefix):
    """shop.extensions.ShopLimiter.init_app: its after-request hook and teardown are left
    out of requests that counted no limit, and still run (headers included) where one was."""
    from flask.globals import request_ctx

    from shop.extensions import limiter

    limited = create_app(make_test_config(database_url, RATELIMIT_STORAGE_URI=REDIS_URL,
                                          RATELIMIT_KEY_PREFIX=redis_prefix))
    limited.test_client_class = ShopClient
    # One limiter for every app the tests make, and it reads RATELIMIT_HEADERS_ENABLED from
    # the first: turned on here by hand, and back off at the end.
    headers_were, limiter._headers_enabled = limiter._headers_enabled, True
    made_context: list[bool] = []
    # Teardowns run after every after-request hook: this one sees what those hooks made.
    limited.teardown_request(lambda _: made_context.append(hasattr(request_ctx, "_limiter_request_context")))
    try:
        visitor = limited.test_client()
        visitor.environ_base["REMOTE_ADDR"] = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
        page = visitor.get("/cart")
        login = visitor.post("/login", data={"email": f"{uuid.uuid4().hex}@example.com", "password": "wrong"})
        assert page.status_code == 200 and "X-RateLimit-Limit" not in page.headers
        assert login.status_code == 200 and login.headers["X-RateLimit-Limit"] == "5"  # the per-account limit, the tightest
        assert int(login.headers["X-RateLimit-Remaining"]) == 4
        assert made_context[0] is False and made_context[-1] is True  # the page, then the login
    finally:
        limiter._headers_enabled = headers_were
        with limited.app_context():
            db.engine.dispose()
