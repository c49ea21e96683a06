"""Every Flask extension, created unbound so any module can import it without a cycle.

`create_app()` binds them to the app (cookiecutter-flask's pattern). This module imports
nothing from the shop: it sits below everything else.
"""
import os
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from flask import Flask
from flask.globals import request_ctx
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.storage import RedisStorage
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can drop or alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


T = TypeVar("T")


class KeptRedisConnection:
    """A Redis connection each worker thread keeps for a command sent on every request of a
    kind (a rate-limit count, the page cache's version read): made by the client's pool but
    kept out of it, the command packed and its reply read directly. Through the client's
    pool, retry and command layers such a command cost about four times the client CPU of
    the round trip itself. A fork's child makes its own."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.local = threading.local()

    def pack(self, *args: Any) -> Any:
        return self._connection().pack_command(*args)

    def ask(self, packed: Any) -> Any:
        """The reply to a packed command. A connection Redis has closed since (a restart,
        an idle timeout) is replaced and the command sent once more, as the client's own
        retry would; any other error is the client's."""
        try:
            return self._ask(packed)
        except RedisConnectionError:
            return self._ask(packed)

    def ask_around(self, packed: Any, work: Callable[[], T]) -> tuple[Any, T]:
        """The reply to a packed command sent before `work()` runs and read after it, and
        what the work gave: the command's round trip overlaps the work (a page's version
        read in Redis, and its mini-cart read from the database). Errors as for ask(); if the
        work raises, the connection is dropped, so its reply is never read as the next one's."""
        try:
            self._send(packed)
            sent = True
        except RedisConnectionError:  # closed since: asked again after the work, as ask() would
            sent = False
        try:
            done = work()
        except BaseException:
            if sent:
                self._drop()
            raise
        if not sent:
            return self.ask(packed), done
        try:
            return self._read(), done
        except RedisConnectionError:
            return self._ask(packed), done

    def _connection(self) -> Any:
        held = getattr(self.local, "held", None)
        if held is None or held[0] != os.getpid():
            held = self.local.held = (os.getpid(), self.client.connection_pool.make_connection())
        return held[1]

    def _ask(self, packed: Any) -> Any:
        self._send(packed)
        return self._read()

    def _send(self, packed: Any) -> None:
        try:
            self._connection().send_packed_command(packed, check_health=False)
        except BaseException:
            self._drop()
            raise

    def _read(self) -> Any:
        try:
            return self._connection().read_response()
        except ResponseError:
            raise  # Redis answered (NOSCRIPT, a wrong type): the whole reply was read
        except BaseException:
            # Timed out or cut off, a reply may still be on its way: never read it as the next one's.
            self._drop()
            raise

    def _drop(self) -> None:
        held = getattr(self.local, "held", None)
        self.local.held = None
        if held is not None:
            held[1].disconnect()


# Storage comes from RATELIMIT_STORAGE_URI: memory:// on one server, redis:// when
# several app servers must share one count (KeptConnectionRedisStorage below).
class KeptConnectionRedisStorage(RedisStorage):
    """limits' Redis storage, except that a count (the one command every limited request
    sends: its incr-and-expire script, by EVALSHA) goes out on a KeptRedisConnection; a
    quarter of an add to the cart went on the count through the client.

    Registered for the redis schemes, in place of limits' own class (limits keeps one class
    per scheme, the last one defined): RATELIMIT_STORAGE_URI=redis://... gets it. Everything
    else (reads, clearing, the check after Redis comes back) is limits' own, through the
    client. Errors are the client's, so Flask-Limiter's in-memory fallback works as before."""

    STORAGE_SCHEME = ["redis", "rediss", "redis+unix"]

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri, **options)
        self.kept = KeptRedisConnection(self.storage)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        kept = self.kept
        try:
            return int(kept.ask(kept.pack("EVALSHA", self.lua_incr_expire.sha, 1, self.prefixed_key(key), expiry, amount)))
        except NoScriptError:
            # Redis restarted or its scripts were flushed: the client's Script loads it again.
            return super().incr(key, expiry, amount)


class ShopLimiter(Limiter):
    """Flask-Limiter, without its before-request pass when that pass has nothing to count.
    The pass counts default, application and blueprint limits; the shop's limits all sit on
    their views and are counted by their decorators, yet the pass cost about 40 us on every
    request. Should any such limit be set (RATELIMIT_DEFAULT, a limited blueprint), the
    pass runs again: it is asked on every request."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        manager = self.limit_manager
        if in_middleware and not (manager._default_limits or manager._application_limits
                                  or manager._blueprint_limits):
            return
        super()._check_request_limit(callable_name, in_middleware)

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # Flask-Limiter's after-request hook (rate-limit headers, costs deducted on the
        # response) and its teardown (clearing what the request counted) read its per-request
        # context, and make it when it is not there: on every request, though only a request
        # that counted a limit has anything in it. About 5% of a page for a visitor with a
        # cart went on them. They now run only where a limit was counted.
        for hooks, answers in ((app.after_request_funcs.get(None, []), True),
                               (app.teardown_request_funcs.get(None, []), False)):
            for i, hook in enumerate(hooks):
                if self._is_own_hook(hook):
                    hooks[i] = _only_where_counted(hook, answers)

    def _is_own_hook(self, hook) -> bool:
        if isinstance(hook, partial):  # __inject_headers, bound by hand to this limiter
            return hook.func is Limiter._Limiter__inject_headers and hook.args == (self,)  # type: ignore[attr-defined]
        return (getattr(hook, "__func__", None) is Limiter._Limiter__release_context  # type: ignore[attr-defined]
                and getattr(hook, "__self__", None) is self)


def _only_where_counted(hook, answers: bool):
    """`answers`: an after-request hook, which hands the response on; else a teardown."""

    def where_counted(response_or_error=None):
        if hasattr(request_ctx, "_limiter_request_context"):  # where Flask-Limiter keeps it
            return hook(response_or_error)
        return response_or_error if answers else None

    return where_counted


limiter = ShopLimiter(key_func=get_remote_address, default_limits=[])
# Compresses pages rendered for a visitor (shop/caching.py calls it; cached pages and
# static files are compressed once and kept).
compress = Compress()
