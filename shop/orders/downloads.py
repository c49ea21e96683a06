"""Delivering digital products: download links tied to an order line.

When an order is paid, each digital line gets a link (a row in download_links) that works
for DOWNLOAD_LINK_DAYS days and DOWNLOAD_LINK_MAX_USES downloads. The address carries a
signed token naming the link, the line and the order (shop/orders/tokens.py), so a token
works nowhere else. Each download is counted by one conditional UPDATE in its own write
transaction: the last allowed download can be taken once, however many arrive together,
on any number of app servers. An expired or used-up link can be replaced by a fresh one,
which is emailed to the order's address only. Refunding a line stops its links.

Files are read from a private folder (DOWNLOADS_DIR, never under static/) by the name the
line copied from its product at purchase; the address never carries a path.
"""
from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import safe_join

from shop.database import utcnow, write_transaction
from shop.errors import NotFound, ShopError, Unavailable
from shop.extensions import db
from shop.orders import tokens
from shop.orders.emails import queue_download_link
from shop.orders.models import DownloadLink, EventKind, Order, OrderLine, OrderStatus
from shop.web import public_url

log = logging.getLogger(__name__)

# What a stored file may be called: plain names, no folders, no dot files.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


@dataclass(frozen=True)
class DownloadSettings:
    folder: str
    days: int
    max_uses: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "DownloadSettings":
        return cls(config["DOWNLOADS_DIR"], config["DOWNLOAD_LINK_DAYS"], config["DOWNLOAD_LINK_MAX_USES"])


class LinkState(str, enum.Enum):
    READY = "ready"
    USED_UP = "used_up"
    EXPIRED = "expired"
    REFUNDED = "refunded"


LINK_STATE_WORDS = {
    LinkState.READY: "Ready to download",
    LinkState.USED_UP: "This link has been used as often as it allows",
    LinkState.EXPIRED: "This link has expired",
    LinkState.REFUNDED: "This product was refunded, so it can no longer be downloaded",
}


class DownloadNotFound(NotFound):
    """No such link here. The same words and status as an unknown order (OrderNotFound),
    so a wrong, changed or borrowed token tells nothing about what exists."""

    def __init__(self) -> None:
        super().__init__("We can't find that order.")


class DownloadUnavailable(ShopError):
    """The link is expired, used up or refunded. Nothing was counted."""

    status = 410

    def __init__(self, state: LinkState):
        super().__init__(LINK_STATE_WORDS[state] + ".")
        self.state = state


class DownloadFileMissing(Unavailable):
    def __init__(self) -> None:
        super().__init__("We can't find that file right now. Nothing was counted. Please try again later, "
                         "or write to us and we will send it to you.")


def stored_file(folder: str, name: str | None) -> Path:
    """The file `name` in the private folder, or DownloadFileMissing: a name that is not a
    plain file name, leaves the folder, or names nothing there is refused."""
    if not name or not FILE_NAME.fullmatch(name):
        raise DownloadFileMissing()
    joined = safe_join(folder, name)
    if joined is None or not Path(joined).is_file():
        raise DownloadFileMissing()
    return Path(joined)


def link_state(link: DownloadLink, line: OrderLine, order: Order, now: datetime) -> LinkState:
    if line.refunded_at is not None or link.revoked_at is not None or order.status is OrderStatus.REFUNDED:
        return LinkState.REFUNDED
    if now >= link.expires_at:
        return LinkState.EXPIRED
    if link.downloads >= link.max_downloads:
        return LinkState.USED_UP
    return LinkState.READY


# ---------------------------------------------------------------- making links

def create_links(order: Order, settings: DownloadSettings, now: datetime) -> list[DownloadLink]:
    """A fresh link for each digital line of a just-paid order, in the caller's transaction.
    A digital line with no file flags the order: the shopper paid for something we cannot send."""
    links = []
    for line in order.lines:
        if not line.is_digital or line.refunded_at is not None:
            continue
        if not line.download_file:
            order.flag_for_review(f"{line.product_name} is digital but has no file to deliver", source="downloads")
            continue
        link = DownloadLink(order_line_id=line.id, expires_at=now + timedelta(days=settings.days),
                            max_downloads=settings.max_uses)
        db.session.add(link)
        links.append(link)
    db.session.flush()
    return links


@dataclass(frozen=True)
class LineDownload:
    """One digital line as a page or an email shows it: its newest link and whether it works."""

    line: OrderLine
    link: DownloadLink
    state: LinkState
    page_url: str  # the line's download page (GET shows it, its button downloads)

    @property
    def words(self) -> str:
        return LINK_STATE_WORDS[self.state]

    @property
    def is_ready(self) -> bool:
        return self.state is LinkState.READY


def line_downloads(order: Order, now: datetime) -> list[LineDownload]:
    """The newest link of each digital line of `order`, with the address of its page.
    Read-only, one query."""
    newest = (select(func.max(DownloadLink.id)).join(OrderLine, DownloadLink.order_line_id == OrderLine.id)
              .where(OrderLine.order_id == order.id).group_by(DownloadLink.order_line_id))
    links = db.session.scalars(select(DownloadLink).where(DownloadLink.id.in_(newest))).all()
    lines = {line.id: line for line in order.lines}
    result = []
    for link in sorted(links, key=lambda link: link.order_line_id):
        line = lines[link.order_line_id]
        result.append(LineDownload(
            line=line, link=link, state=link_state(link, line, order, now),
            page_url=public_url("orders.download_page", number=order.number, line_id=line.id,
                                token=tokens.download_token(link.id, line.id, order.number)),
        ))
    return result


# ---------------------------------------------------------------- using a link

@dataclass(frozen=True)
class DownloadPage:
    order: Order
    line: OrderLine
    link: DownloadLink
    state: LinkState

    @property
    def words(self) -> str:
        return LINK_STATE_WORDS[self.state]

    @property
    def is_ready(self) -> bool:
        return self.state is LinkState.READY


def _find(number: str, line_id: int, token: str | None) -> tuple[DownloadLink, OrderLine, Order]:
    link_id = tokens.download_link_id(number, line_id, token)
    row = None
    if link_id is not None:
        row = db.session.execute(
            select(DownloadLink, OrderLine, Order)
            .join(OrderLine, DownloadLink.order_line_id == OrderLine.id).join(Order, OrderLine.order_id == Order.id)
            .where(DownloadLink.id == link_id, OrderLine.id == line_id, Order.number == number)
        ).first()
    if row is None:
        # Whatever was wrong (no such order, another order's link, a changed token), the
        # answer is the same as for an order that does not exist.
        raise DownloadNotFound()
    return row._tuple()


def download_page(number: str, line_id: int, token: str | None, *, now: datetime) -> DownloadPage:
    """What a link's page shows. Raises DownloadNotFound. Read-only: opening the page (a mail
    scanner following the link, say) uses nothing up."""
    link, line, order = _find(number, line_id, token)
    return DownloadPage(order, line, link, link_state(link, line, order, now))


@dataclass(frozen=True)
class FileToSend:
    path: Path
    download_name: str


def take_download(number: str, line_id: int, token: str | None, *, folder: str) -> FileToSend:
    """Count one download and say which file to send. Transactional: the count is one
    conditional UPDATE, so a link is never used more often than it allows.
    Raises DownloadNotFound, DownloadUnavailable (nothing counted) or DownloadFileMissing
    (nothing counted; logged for the shop to fix)."""
    with write_transaction():
        link, line, order = _find(number, line_id, token)
        now = utcnow()
        state = link_state(link, line, order, now)
        if state is not LinkState.READY:
            raise DownloadUnavailable(state)
        try:
            path = stored_file(folder, line.download_file)
        except DownloadFileMissing:
            log.error("order %s line %s: file %r is missing from %s", number, line_id, line.download_file, folder)
            raise
        counted = db.session.execute(
            update(DownloadLink)
            .where(DownloadLink.id == link.id, DownloadLink.revoked_at.is_(None),
                   DownloadLink.downloads < DownloadLink.max_downloads, DownloadLink.expires_at > now)
            .values(downloads=DownloadLink.downloads + 1, last_downloaded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if counted != 1:
            raise DownloadUnavailable(LinkState.USED_UP)  # the last download went to another request
    log.info("order %s line %s downloaded (link %s)", number, line_id, link.id)
    return FileToSend(path, path.name)


def send_fresh_link(number: str, line_id: int, token: str | None, *, settings: DownloadSettings) -> str:
    """Email a working link for this line to the order's own address: its newest link if
    that still works, else a new one replacing it (one replacement per link, even when the
    button is pressed twice at once). Returns the address it went to. Transactional.
    Raises DownloadNotFound or DownloadUnavailable (refunded)."""
    for _ in range(2):  # a second round only when another request made the replacement first
        try:
            with write_transaction():
                _, line, order = _find(number, line_id, token)
                now = utcnow()
                newest = db.session.scalar(select(DownloadLink).where(DownloadLink.order_line_id == line.id)
                                           .order_by(DownloadLink.id.desc()).limit(1))
                state = link_state(newest, line, order, now)
                if state is LinkState.REFUNDED or not order.email:
                    raise DownloadUnavailable(LinkState.REFUNDED)
                if state is not LinkState.READY:
                    newest = DownloadLink(order_line_id=line.id, expires_at=now + timedelta(days=settings.days),
                                          max_downloads=settings.max_uses, replaces_id=newest.id)
                    db.session.add(newest)
                    db.session.flush()
                    order.record(EventKind.DOWNLOAD_LINK, source="shopper",
                                 message=f"Fresh download link for {line.product_name} emailed (the old one was "
                                         f"{state.value.replace('_', ' ')})")
                queue_download_link(order, line, newest, now)
                return order.email
        except IntegrityError:
            continue
    raise DownloadNotFound()  # pragma: no cover - two lost races in a row


def revoke_line_links(order: Order, lines: list[OrderLine], *, source: str) -> None:
    """Refunded lines: their links stop working. In the caller's transaction."""
    now = utcnow()
    ids = [line.id for line in lines if line.refunded_at is None]
    if not ids:
        return
    for line in lines:
        line.refunded_at = line.refunded_at or now
    db.session.execute(
        update(DownloadLink).where(DownloadLink.order_line_id.in_(ids), DownloadLink.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    )
    names = ", ".join(line.product_name for line in lines if line.id in ids)
    order.record(EventKind.LINES_REFUNDED, source=source,
                 message=f"Refunded: {names}. Their download links stop working.")
