"""Public pages served from a page cache, and cacheable by any proxy in front of the shop.

What changes: public content (products, their photos and stock, articles and their parts,
authors, categories, stories; anything that mixes in PublicContent). When a transaction
that changed any of it commits, the *content version* moves on. Nobody has to call
anything: session events see every ORM change, and every `update()`/`delete()` the ORM
session executes on such a model (stock reserved at checkout is one). Statements sent on a
bare connection or as raw SQL are not seen: use the session, or call `content_changed()`.

Where the version lives: in Redis when PAGE_CACHE_REDIS_URL is set (several app servers
share it), else in the database's `content_versions` row, bumped inside the transaction
that changed the content. Every request for a cached page reads it (one GET or one tiny
SELECT), so a change committed through one app server shows on the next request to any.

The pages themselves are kept in each worker's memory (bounded, least recently used out
first; a deploy or restart starts empty), keyed by path and query string, for
PAGE_CACHE_SECONDS at most, because some pages also change with time alone. Changes known
in advance (an article scheduled for 9:00 goes public by itself) end every kept page at
their moment: domains say when the next one is due (`turns_at`). A visitor with a session
cookie (staff, a flashed message) or a notice to show once (shop/notices.py) gets the page
rendered for them. A visitor with a cart gets the cached page with only the mini-cart
filled in for them (one query, which reads the version too when it is in the database; see
fill_slot_with and SlotReads). A kept page for a visitor without cookies, or with a cart
and nothing else to show, is answered before Flask builds a request (CachedPages).

What proxies and browsers are told: a public page for a visitor without cookies is
`public, max-age=0, s-maxage=HTTP_SHARED_MAX_AGE` with a weak ETag (its content's hash, the
same on every app server), and If-None-Match is answered with 304. Browsers revalidate each
time (max-age=0) so a shopper who just added to the cart never sees their old page; shared
caches may keep it for a while. The page does not vary on Cookie, and no cookie is set
for such a visitor: proxies must pass requests that carry the shop's cookies (`session`,
`cart`, `notice`) to the app (see the nginx settings in the README). A page for a visitor with
cookies is `private, no-cache`.
"""
from __future__ import annotations

import gzip
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

import brotli
from flask import Flask, Response, current_app, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress.flask_compress import _choose_algorithm, _compress_data
from redis.exceptions import RedisError
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column
from werkzeug.http import parse_accept_header, parse_etags
from werkzeug.sansio.http import parse_cookie
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.utils import get_content_type
from werkzeug.wsgi import get_path_info

from shop.database import QuickRead
from shop.extensions import KeptRedisConnection, compress, db
from shop.notices import COOKIE_NAME as NOTICE_COOKIE
from shop.observability import REQUEST_ID_HEADER, count_request, request_id_from

F = TypeVar("F", bound=Callable)

# Where the mini-cart sits in a page: the part a cached page fills in per visitor.
SLOT_START, SLOT_END = b"<!--mini-cart-->", b"<!--/mini-cart-->"
# Where a framed page's own content goes (render_framed): the frame is kept, this is drawn.
CONTENT_MARK = "<!--page-content-->"
RENDER_FOR_VISITOR = object()  # a slot filler's answer: this visitor's page must be rendered for them
MAX_PAGE_BYTES = 2 * 1024 * 1024  # larger answers are not kept
MAX_KEY_LENGTH = 512  # longer paths and queries are probes, not pages worth keeping


# ---------------------------------------------------------------- what counts as public content

class PublicContent:
    """Mixed into every model shoppers see on public pages: committing a change to one moves
    the content version on, so every app server's cached pages give way."""


class ContentVersion(db.Model):
    """One row: the content version, when it is kept in the database."""

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)


@event.listens_for(ContentVersion.__table__, "after_create")
def _first_version(target: Any, connection: Any, **kw: Any) -> None:
    connection.execute(insert(target).values(id=1, version=1))


def content_changed(session: Session | None = None) -> None:
    """Say that this transaction changes public content the session events cannot see
    (raw SQL): its commit moves the content version on."""
    (session or db.session()).info["public_content_changed"] = True


def _is_public(obj: Any) -> bool:
    return isinstance(obj, PublicContent)


def _changes_public_content(session: Session) -> bool:
    if session.info.get("public_content_changed"):
        return True
    if any(_is_public(obj) for obj in session.new) or any(_is_public(obj) for obj in session.deleted):
        return True
    return any(_is_public(obj) and session.is_modified(obj) for obj in session.dirty)


def _after_flush(session: Session, _context: Any) -> None:
    if _changes_public_content(session):
        session.info["public_content_changed"] = True


def _on_execute(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        if issubclass(state.bind_mapper.class_, PublicContent):
            state.session.info["public_content_changed"] = True


def _before_commit(session: Session) -> None:
    store = _store_for(session)
    if store is None or not store.bumps_in_transaction:
        return
    session.flush()  # everything else first: the version row is always the last one locked
    if session.info.pop("public_content_changed", False):
        store.bump_in(session)


def _after_commit(session: Session) -> None:
    changed = session.info.pop("public_content_changed", False)
    store = _store_for(session)
    if changed and store is not None and not store.bumps_in_transaction:
        try:
            store.bump()
        except Exception as exc:  # the change is saved; pages catch up within PAGE_CACHE_SECONDS
            current_app.logger.error("page cache: content version not moved on (%s)", exc.__class__.__name__)


def _after_soft_rollback(session: Session, previous: Any) -> None:
    # Only the whole transaction's rollback undoes what it changed: a savepoint's rollback
    # leaves the changes made around it.
    if previous.parent is None:
        session.info.pop("public_content_changed", None)


def _store_for(session: Session) -> "VersionStore | None":
    try:
        return current_app.extensions["page_cache"].versions
    except (RuntimeError, KeyError):  # outside an app, or an app without a page cache
        return None


# ---------------------------------------------------------------- where the version lives

class VersionStore:
    bumps_in_transaction = False

    def current(self, engine: Engine | None = None) -> int:
        """`engine`: the app's, for a caller outside an app context (CachedPages)."""
        raise NotImplementedError

    def bump(self) -> None:
        raise NotImplementedError

    def bump_in(self, session: Session) -> None:
        raise NotImplementedError

    def rows_beside(self, read: QuickRead, values: tuple) -> tuple[list[tuple], int | None]:
        """`read`'s rows, and the version when it could be read in the same statement (else None)."""
        return read.rows(*values), None


_VERSION = QuickRead(lambda _: select(ContentVersion.version).where(ContentVersion.id == 1))


class DatabaseVersions(VersionStore):
    """The `content_versions` row, moved on inside the transaction that changed content, so
    no reader can see the change without the new version (or the reverse)."""

    bumps_in_transaction = True

    def current(self, engine: Engine | None = None) -> int:
        # On a page from the cache this is the request's only query: on the driver's own
        # connection (QuickRead), a few microseconds on SQLite, one round trip on PostgreSQL.
        rows = _VERSION.rows(engine=engine)
        return rows[0][0] if rows else 0

    def bump_in(self, session: Session) -> None:
        # An upsert: the row may be missing (a truncated test database), and two writers
        # may bump at once (PostgreSQL waits for the first to commit).
        session.execute(text(
            "INSERT INTO content_versions (id, version) VALUES (1, 1) "
            "ON CONFLICT (id) DO UPDATE SET version = content_versions.version + 1"
        ))

    def rows_beside(self, read: QuickRead, values: tuple) -> tuple[list[tuple], int | None]:
        # A cached page for a visitor with a cart reads the mini-cart and the version: in one
        # statement, one round trip on PostgreSQL where there were two (a snapshot of both).
        # (A read that finds nothing brings no version: it is then read on its own.)
        version, rows = read.beside(_VERSION).rows(*values)
        return rows, version


class RedisVersions(VersionStore):
    """A Redis counter, moved on right after the commit (Redis is not in the transaction).
    One counter per database: two shops sharing a Redis never share a version."""

    def __init__(self, url: str, database_url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.key = "shop:content-version:" + hashlib.blake2b(database_url.encode(), digest_size=8).hexdigest()
        self.kept = KeptRedisConnection(self.redis)
        self.get_version = self.kept.pack("GET", self.key)

    def current(self, engine: Engine | None = None) -> int:
        # The read on every cached page: half the client's own cost of a GET through the pool,
        # which is most of what a cached page costs here.
        return int(self.kept.ask(self.get_version) or 0)

    def bump(self) -> None:
        self.redis.incr(self.key)

    def rows_beside(self, read: QuickRead, values: tuple) -> tuple[list[tuple], int | None]:
        # A cached page for a visitor with a cart: the GET goes out before the mini-cart's
        # query and its reply is read after, so the two round trips overlap.
        done: list[list[tuple]] = []

        def rows_read() -> list[tuple]:
            done.append(read.rows(*values))
            return done[0]

        try:
            version, rows = self.kept.ask_around(self.get_version, rows_read)
        except RedisError:
            # Redis out of reach: the rows all the same, and no version (asked again, its
            # failure makes the page rendered, as for a visitor without a cart).
            return (done[0] if done else read.rows(*values)), None
        return rows, int(version or 0)


# ---------------------------------------------------------------- the pages kept in memory

@dataclass
class CachedPage:
    version: tuple[int, int]  # content version and turn (PageCache.validity)
    expires_at: float
    mimetype: str
    head: bytes
    slot: bytes  # the mini-cart as a visitor without a cart sees it ("" when the page has none)
    tail: bytes
    route: str = ""  # the view's URL rule, for the request figures
    body: bytes = b""
    etag: str = ""
    compressed: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.body = self.head + self.slot + self.tail
        self.etag = etag_of(self.body)

    @property
    def size(self) -> int:
        return len(self.body) * 2 + sum(len(b) for b in self.compressed.values())


def etag_of(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


class PageStore:
    """Rendered pages by key, least recently used out first past `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.pages: OrderedDict[str, CachedPage] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key: str, version: tuple[int, int]) -> CachedPage | None:
        page = self.pages.get(key)
        if page is None:
            return None
        if page.version != version or page.expires_at <= time.monotonic():
            with self.lock:
                if self.pages.get(key) is page:
                    self._drop(key)
            return None
        with self.lock:
            if key in self.pages:
                self.pages.move_to_end(key)
        return page

    def put(self, key: str, page: CachedPage) -> None:
        with self.lock:
            if key in self.pages:
                self._drop(key)
            self.pages[key] = page
            self.bytes += page.size
            while self.bytes > self.max_bytes and self.pages:
                self._drop(next(iter(self.pages)))

    def grew(self, extra: int) -> None:
        with self.lock:
            self.bytes += extra

    def _drop(self, key: str) -> None:
        self.bytes -= self.pages.pop(key).size

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.bytes = 0


# ---------------------------------------------------------------- the cache in a request

def public_page(view: F) -> F:
    """A page that is the same for every visitor without cookies: cached, and sent with
    `Cache-Control: public`. Mark only views that read nothing but the path and the query."""
    view.public_page = True  # type: ignore[attr-defined]
    return view


QuickRows = Callable[..., "list[tuple]"]  # (a QuickRead, its values) -> its rows
SlotFiller = Callable[[QuickRows], "bytes | None | object"]
# The same, for CachedPages: from the request's cookies alone, in an app context without a
# request; RENDER_FOR_VISITOR also when it cannot tell (Flask's path then answers).
CookieSlotFiller = Callable[[Mapping[str, str], QuickRows], "bytes | None | object"]
NextTurn = Callable[[datetime], "datetime | None"]


@dataclass
class PageCache:
    versions: VersionStore
    pages: PageStore
    # Fills the mini-cart for this request's visitor: None when they see the page as someone
    # without a cart does, RENDER_FOR_VISITOR when the cached page cannot serve them. It
    # reads through the function it is given (SlotReads), which may read the version too.
    fill_slot: SlotFiller = lambda read: None
    empty_slot: Callable[[], bytes] = lambda: b""
    fill_slot_from_cookies: CookieSlotFiller | None = None
    # When public pages next change by themselves (a scheduled article's moment), per domain.
    next_turns: list[NextTurn] = field(default_factory=list)
    # Kept pages carry (content version, turn): a turn passing ends them all, as a new
    # content version does. Asked again only when the version moves or the moment passes.
    turn: int = 0
    turn_for_version: int | None = None
    turns_at: float = math.inf
    turn_lock: threading.Lock = field(default_factory=threading.Lock)

    def known_validity(self, version: int) -> tuple[int, int] | None:
        """What kept pages must carry, when nothing needs asking (else None: see validity)."""
        if version != self.turn_for_version or time.time() >= self.turns_at:
            return None
        return version, self.turn

    def validity(self, version: int) -> tuple[int, int]:
        """What kept pages must carry; asks the domains for their next moment when the
        version moved or the last moment passed (needs an app context)."""
        now = time.time()
        if version != self.turn_for_version or now >= self.turns_at:
            with self.turn_lock:
                if version != self.turn_for_version or now >= self.turns_at:
                    if now >= self.turns_at:
                        self.turn += 1
                    moments = [at for at in (turn(datetime.fromtimestamp(now, timezone.utc))
                                             for turn in self.next_turns) if at is not None]
                    self.turns_at = min(moments).timestamp() if moments else math.inf
                    self.turn_for_version = version
        return version, self.turn


class SlotReads:
    """What a slot filler reads with: its read, and the content version beside it in the
    same statement where the version store can (the database's row); `current()` is then
    that version, else the store's own read."""

    def __init__(self, versions: VersionStore) -> None:
        self.versions = versions
        self.version: int | None = None

    def __call__(self, read: QuickRead, *values: Any) -> list[tuple]:
        rows, self.version = self.versions.rows_beside(read, values)
        return rows

    def current(self) -> int:
        return self.versions.current() if self.version is None else self.version


def fill_slot_with(app: Flask, fill: SlotFiller, empty: Callable[[], bytes],
                   from_cookies: CookieSlotFiller | None = None) -> None:
    """Registered by the cart: how to fill the mini-cart slot for a visitor, and for nobody;
    and how from the cookies alone, before Flask (CachedPages)."""
    cache: PageCache | None = app.extensions.get("page_cache")
    if cache is not None:
        cache.fill_slot, cache.empty_slot, cache.fill_slot_from_cookies = fill, empty, from_cookies


def turns_at(app: Flask, next_turn: NextTurn) -> None:
    """Registered by a domain whose public pages change at moments known in advance: given
    the time now, when is the next one (None when none is planned)?"""
    cache: PageCache | None = app.extensions.get("page_cache")
    if cache is not None:
        cache.next_turns.append(next_turn)


def _cache() -> PageCache:
    return current_app.extensions["page_cache"]


def _seconds() -> int:
    return current_app.config["PAGE_CACHE_SECONDS"]


def _has_session_cookie() -> bool:
    return "HTTP_COOKIE" in request.environ and current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def _drawn_for_visitor() -> bool:
    return "HTTP_COOKIE" in request.environ and _drawn_for_cookies(current_app, request.cookies)


def _drawn_for_cookies(app: Flask, cookies: Mapping[str, str]) -> bool:
    """A session (staff, a flashed message) or a one-time notice: the page is this visitor's."""
    return app.config["SESSION_COOKIE_NAME"] in cookies or NOTICE_COOKIE in cookies


def _cache_key() -> str:
    query = request.query_string
    return request.path + ("?" + query.decode("latin-1") if query else "")


def _split(body: bytes) -> tuple[bytes, bytes, bytes]:
    start = body.find(SLOT_START)
    end = body.find(SLOT_END, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return body, b"", b""
    end += len(SLOT_END)
    return body[:start], body[start:end], body[end:]


def _is_public_page() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "public_page", False) and request.method in ("GET", "HEAD")


def serve_from_cache() -> Response | None:
    """Before the view: answer from the page cache when this page and visitor allow it."""
    if not _is_public_page() or _drawn_for_visitor():
        return None
    cache = _cache()
    reads = SlotReads(cache.versions)
    # Only a visitor with cookies may have a cart: nobody else costs a query.
    slot = cache.fill_slot(reads) if "HTTP_COOKIE" in request.environ else None
    g.visitor_slot = slot
    key = _cache_key()
    if slot is RENDER_FOR_VISITOR or _seconds() <= 0 or len(key) > MAX_KEY_LENGTH:
        return None
    try:
        version = cache.validity(reads.current())
    except Exception as exc:  # the version cannot be read: render, and keep nothing
        current_app.logger.warning("page cache: content version unreadable (%s); rendering", exc.__class__.__name__)
        return None
    g.page_cache = (key, version)
    page = cache.pages.get(key, version)
    if page is None:
        return None
    g.page_cache_answered = True  # nothing to keep or label afterwards
    status, headers, body = _kept_answer(current_app, cache, page, slot, request.environ)  # type: ignore[arg-type]
    return Response(body if status == 200 else None, status=status, headers=headers)


def _compressed_for_one(app: Flask, body: bytes, accept_encoding: str, mimetype: str) -> tuple[bytes, str | None]:
    """A kept page with one visitor's mini-cart, compressed for them as Flask-Compress does
    rendered pages (its choice of algorithm and its levels), the same on both paths that
    answer it (serve_from_cache, CachedPages). Too small a page is sent as it is. Its two
    helpers are the library's own, not public: CachedPages has no Flask response for its
    after_request, and Flask-Compress is pinned, so a change to them shows in the tests."""
    algorithm = _choose_algorithm(compress.enabled_algorithms, accept_encoding) if accept_encoding else None
    if algorithm is None or len(body) < app.config["COMPRESS_MIN_SIZE"] or mimetype not in compress.compress_mimetypes_set:
        return body, None
    return _compress_data(app, body, algorithm), algorithm


def _kept_answer(app: Flask, cache: PageCache, page: CachedPage, slot: bytes | None,
                 environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    """A kept page's status, headers and body, the same on both paths that answer it
    (serve_from_cache, CachedPages): the page as everyone gets it (no cart to show, or no
    mini-cart on the page: a feed), or with this visitor's mini-cart; a 304 when
    If-None-Match names it; compressed as the visitor accepts."""
    shared = slot is None or not page.slot
    if shared:
        body, etag = page.body, page.etag
    else:
        body = page.head + slot + page.tail  # type: ignore[operator]
        etag = etag_of(body)
    headers = [("ETag", f'W/"{etag}"'), ("Cache-Control", _cache_control_for(app, shared=shared)),
               ("Vary", "Accept-Encoding")]
    if "HTTP_IF_NONE_MATCH" in environ and parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains_weak(etag):
        return 304, headers, b""
    accepted = environ.get("HTTP_ACCEPT_ENCODING", "")
    if shared:
        encoding = _best_of(parse_accept_header(accepted)) if accepted else None
        if encoding is not None:
            body = _compressed(cache, page, encoding)
    else:
        body, encoding = _compressed_for_one(app, body, accepted, page.mimetype)
    if encoding is not None:
        headers.append(("Content-Encoding", encoding))
    headers += [("Content-Type", get_content_type(page.mimetype, "utf-8")), ("Content-Length", str(len(body)))]
    return 200, headers, body


def _compressed(cache: PageCache, page: CachedPage, encoding: str) -> bytes:
    """The page for everyone, compressed once per page and content version."""
    compressed = page.compressed.get(encoding)
    if compressed is None:
        compressed = page.compressed[encoding] = _compress(page.body, encoding)
        cache.pages.grew(len(compressed))
    return compressed


def _matches(etag: str) -> bool:
    return "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains_weak(etag)


def _cache_control(shared: bool) -> str:
    return _cache_control_for(current_app, shared=shared)


def _best_of(accepted: Any) -> str | None:
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def _compress(body: bytes, encoding: str) -> bytes:
    # Once per page and content version: strong settings pay for themselves, but not the
    # strongest (Brotli 11 takes tens of ms, and every checkout starts pages afresh).
    if encoding == "br":
        return brotli.compress(body, quality=9)
    return gzip.compress(body, compresslevel=9, mtime=0)


def keep_and_label(response: Response) -> Response:
    """After the view: keep a public page rendered for a visitor without a session, and say
    who may cache what. Pages this module knows nothing of get `private, no-cache` when the
    visitor sent cookies, unless the view said otherwise."""
    if g.get("page_cache_answered"):
        return response
    if not _is_public_page():
        if request.cookies and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-cache"
        return response
    # The same page as for a visitor without cookies (no session, no cart to show)? Set
    # by serve_from_cache; absent for a visitor with a session.
    shared = g.get("visitor_slot", RENDER_FOR_VISITOR) is None
    if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        if not shared and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-cache"
        return response
    body = response.get_data()
    response.headers["ETag"] = f'W/"{etag_of(body)}"'
    response.headers["Cache-Control"] = _cache_control(shared)
    kept = g.get("page_cache")
    cache = _cache()
    if kept is not None and _seconds() > 0 and len(body) <= MAX_PAGE_BYTES and "Set-Cookie" not in response.headers:
        key, version = kept
        head, slot, tail = _split(body)
        if not shared and slot:
            slot = cache.empty_slot()  # the page as a visitor without a cart sees it
        route = request.url_rule.rule if request.url_rule is not None else ""
        cache.pages.put(key, CachedPage(version, time.monotonic() + _seconds(), response.mimetype or "text/html",
                                        head, slot, tail, route))
    if _matches(etag_of(body)):
        response.status_code = 304
        response.set_data(b"")
    return response


def compress_rendered(response: Response) -> Response:
    """Pages rendered for this request are compressed for it (Flask-Compress); a page from
    the cache already is, once."""
    if g.get("page_cache_answered"):
        return response
    return compress.after_request(response)


def render_framed(template: str, content: str, context_of: Callable[[QuickRows | None], dict[str, Any]]) -> str | bytes:
    """A page whose content is drawn for each visitor (the cart page) in a frame that is
    not: `template` renders the whole page, `content` only what its content block holds
    (the template draws CONTENT_MARK instead when `frame_only` is set), from the context
    `context_of(read)` gives alone; its quick reads go through `read` when it is not None
    (SlotReads: the content version comes with them). The frame (head, header, footer:
    most of the work of a page) is kept in the page store like a public page, so a visitor
    without a session costs the content alone; the mini-cart slot is filled as on cached
    pages. A visitor with a session (staff, a message to show once) or a cart holding stock
    gets the whole page rendered."""
    cache: PageCache | None = current_app.extensions.get("page_cache")
    # Kept for the bare address only: a query string is drawn whole (any number of them
    # could be asked for, and none is worth a frame).
    if cache is None or _seconds() <= 0 or _drawn_for_visitor() or request.query_string:
        return render_template(template, **context_of(None))
    reads = SlotReads(cache.versions)
    context = context_of(reads)
    slot = cache.fill_slot(reads) if "HTTP_COOKIE" in request.environ else None
    if slot is RENDER_FOR_VISITOR:
        return render_template(template, **context)
    try:
        version = cache.validity(reads.current())
    except Exception as exc:  # as for a public page: render, and keep nothing
        current_app.logger.warning("page cache: content version unreadable (%s); rendering", exc.__class__.__name__)
        return render_template(template, **context)
    # Not a path (no leading "/"), so CachedPages never answers a request with a frame.
    key = "frame " + request.path
    frame = cache.pages.get(key, version)
    if frame is None:
        frame = _frame_of(render_template(template, frame_only=True, **context).encode(), version)
        if frame is None:  # the template has no mark, or two: draw it whole
            return render_template(template, **context)
        cache.pages.put(key, frame)
    middle, _, tail = frame.tail.partition(CONTENT_MARK.encode())
    # The content alone, with the view's context alone: context processors serve the
    # frame (footer links, the header's names), and cost more than this part.
    drawn = current_app.jinja_env.get_template(content).render(**context).encode()
    return b"".join((frame.head, cache.empty_slot() if slot is None else slot, middle, drawn, tail))  # type: ignore[list-item]


def _frame_of(body: bytes, version: tuple[int, int]) -> CachedPage | None:
    """The frame as the page store keeps pages: the mini-cart slot where it is, the content
    mark left in the tail."""
    head, slot, tail = _split(body)
    if not slot or tail.count(CONTENT_MARK.encode()) != 1:
        return None
    return CachedPage(version, time.monotonic() + _seconds(), "text/html", head, slot, tail)


class CookielessSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that a visitor who sent no session cookie and
    was given nothing to keep gets no `Vary: Cookie`: their page is the same for every such
    visitor, and says so (see the module's note on proxies). And a session left holding only
    Flask-Login's marks for someone not logged in (it marks a session "not fresh" when a
    shopper's one-time message was in it) is ended, so the shopper is served cached pages
    again once the message has been shown."""

    LOGIN_MARKS = frozenset({"_fresh", "_id"})

    def get_signing_serializer(self, app: Flask) -> Any:
        # Made once per app and key, not on every request that reads or writes a session
        # (Flask builds a new one each time): the message after every add signs one.
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = app.extensions.get("session_signer")
        if kept is None or kept[0] != keys:
            kept = app.extensions["session_signer"] = (keys, super().get_signing_serializer(app))
        return kept[1]

    def open_session(self, app: Flask, request: Any) -> Any:
        if "HTTP_COOKIE" not in request.environ or self.get_cookie_name(app) not in request.cookies:
            return self.session_class()  # nothing to read: no signer to build (most requests)
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if session and "_user_id" not in session and session.keys() <= self.LOGIN_MARKS:
            session.clear()
        if not session and not session.modified and not _has_session_cookie():
            return
        super().save_session(app, session, response)


class CachedPages:
    """WSGI middleware in front of Flask: a kept page is answered before Flask builds a
    request, for a visitor without cookies (the commonest request: all the work there is,
    is the content version, a lookup and the headers) and for one with a cart (the same,
    with their mini-cart read beside the version and filled in). Anything else, or anything
    unusual (a host we do not answer to, a session or a notice, a page not kept, a version
    that moved, a cart whose checkout holds stock), goes on to Flask, whose serve_from_cache
    and views answer it as before. The answer is the same either way: the same headers
    (security headers, X-Request-ID) and the same request figures."""

    def __init__(self, app: Flask, wsgi_app: Callable, headers: list[tuple[str, str]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.headers = headers
        self.cache: PageCache = app.extensions["page_cache"]
        self.hosts = list(app.config["TRUSTED_HOSTS"])
        self.engine: Engine | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        started = time.perf_counter()
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        found = self._kept_page(key) if "HTTP_COOKIE" not in environ else self._kept_page_for_visitor(key, environ)
        if found is None:
            return self.wsgi_app(environ, start_response)
        page, slot = found
        status, headers, body = _kept_answer(self.app, self.cache, page, slot, environ)
        headers += self.headers
        headers.append((REQUEST_ID_HEADER, request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))))
        start_response("304 NOT MODIFIED" if status == 304 else "200 OK", headers)
        count_request(method, page.route or "unmatched", status, started)
        return [] if method == "HEAD" else [body]

    def _key(self, environ: dict) -> str | None:
        """The page's key, when a page is kept under it and this request may be answered here."""
        if self.app.config["PAGE_CACHE_SECONDS"] <= 0 or not host_is_trusted(environ.get("HTTP_HOST"), self.hosts):
            return None
        path = "/" + get_path_info(environ).lstrip("/")
        query = environ.get("QUERY_STRING", "")
        key = path + ("?" + query if query else "")
        if len(key) > MAX_KEY_LENGTH or key not in self.cache.pages.pages:  # most misses cost no version read
            return None
        return key

    def _kept_page(self, key: str) -> tuple[CachedPage, None] | None:
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        try:
            validity = self.cache.known_validity(self.cache.versions.current(self.engine))
        except Exception:  # Flask's path reports it, and renders
            return None
        page = self.cache.pages.get(key, validity) if validity is not None else None
        return None if page is None else (page, None)

    def _kept_page_for_visitor(self, key: str, environ: dict) -> tuple[CachedPage, bytes | None] | None:
        fill = self.cache.fill_slot_from_cookies
        # Behind a path prefix the mini-cart's link differs: Flask's path draws it.
        if fill is None or environ.get("SCRIPT_NAME"):
            return None
        # As Flask's request.cookies parses them (werkzeug's parse_cookie(environ) would
        # raise on bytes that are not UTF-8).
        cookies = parse_cookie(environ["HTTP_COOKIE"])
        if _drawn_for_cookies(self.app, cookies):
            return None
        kept = self.cache.pages.pages.get(key)
        if kept is not None and not kept.slot:  # no mini-cart on the page (a feed): as everyone gets it
            return self._kept_page(key)
        reads = SlotReads(self.cache.versions)
        try:
            with self.app.app_context():  # the filler reads the app's settings and database
                slot = fill(cookies, reads)
                if slot is RENDER_FOR_VISITOR:
                    return None
                validity = self.cache.known_validity(reads.current())
        except Exception:  # as for a page without cookies: Flask's path reports it
            return None
        page = self.cache.pages.get(key, validity) if validity is not None else None
        return None if page is None else (page, slot)  # type: ignore[return-value]


def _cache_control_for(app: Flask, *, shared: bool) -> str:
    if shared:
        return f"public, max-age=0, s-maxage={app.config['HTTP_SHARED_MAX_AGE']}"
    return "private, no-cache"


def serve_kept_pages_first(app: Flask, headers: list[tuple[str, str]]) -> None:
    """Put CachedPages in front of the app (last, so it sees requests first); `headers` are
    the ones every response carries (shop/security.py)."""
    if "page_cache" in app.extensions:
        app.wsgi_app = CachedPages(app, app.wsgi_app, headers)  # type: ignore[method-assign]


def init_page_cache(app: Flask) -> None:
    redis_url = app.config["PAGE_CACHE_REDIS_URL"]
    versions: VersionStore = (RedisVersions(redis_url, app.config["SQLALCHEMY_DATABASE_URI"]) if redis_url
                              else DatabaseVersions())
    app.extensions["page_cache"] = PageCache(
        versions=versions,
        pages=PageStore(app.config["PAGE_CACHE_MAX_BYTES"]),
    )
    app.session_interface = CookielessSessionInterface()
    # First of the before_request hooks: a page from the cache costs no other work.
    app.before_request_funcs.setdefault(None, []).insert(0, serve_from_cache)
    # after_request hooks run last-registered first: keep the page, then compress it.
    app.config["COMPRESS_REGISTER"] = False
    compress.init_app(app)
    app.after_request(compress_rendered)
    app.after_request(keep_and_label)
    # Installed once for the process, however many apps are made (tests make many).
    for name, listener in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _on_execute),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_soft_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
