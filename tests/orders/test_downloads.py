"""Digital products are delivered: a paid order of the guide, through the stand-in and its
signed webhook, gets a signed download link by email and on the success page; the link
works five times for seven days, can be replaced by email, stops when refunded, and never
opens another order's file."""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.catalog.models import ProductKind
from shop.database import utcnow
from shop.extensions import db
from shop.orders import downloads
from shop.orders.models import DownloadLink, EventKind, Order, OrderEvent, OrderLine, OrderStatus
from tests.factories import STAFF_EMAIL, make_product, make_staff
from tests.support.db import fresh, reload
from tests.support.html import page_text
from tests.support.mail import links, local, queued
from tests.support.shopper import checkout, log_in
from tests.support.stripe import all_delivered_ok, stripe_session

GUIDE_BYTES = b"%PDF-1.4\n% a small stand-in for the guide\n%%EOF\n"
DOWNLOAD_PATH = re.compile(r"^/orders/(SH-[A-Z0-9]{8})/downloads/(\d+)\?token=([A-Za-z0-9._-]+)$")


@pytest.fixture
def guide(app):
    folder = Path(app.config["DOWNLOADS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "guide.pdf").write_bytes(GUIDE_BYTES)
    return make_product(name="A Carer's Guide (PDF)", kind=ProductKind.DIGITAL, price_cents=900, stock=None,
                        download_file="guide.pdf")


def buy_guide(client, standin, guide) -> Order:
    order = checkout(client, guide, 1)
    standin.pay(order.stripe_session_id)
    all_delivered_ok(standin)
    return reload(order)


@pytest.fixture
def bought(app, client, standin, live_shop, guide) -> Order:
    """A paid order of the guide, its webhooks delivered to the shop on loopback."""
    return buy_guide(client, standin, guide)


def emailed_link(order: Order, subject: str = "is confirmed") -> str:
    [email] = [e for e in queued(to=order.email, subject=subject) if order.number in e.text_body]
    [url] = links(email, containing="/downloads/")
    return local(url)


def token_of(path: str) -> str:
    return DOWNLOAD_PATH.match(path).group(3)


def download(client, path: str):
    """Press the download button of the page at `path`, as a browser would."""
    number, line_id, token = DOWNLOAD_PATH.match(path).groups()
    response = client.post(f"/orders/{number}/downloads/{line_id}", data={"token": token})
    response.get_data()  # read the streamed file, then let go of it
    response.close()
    return response


def counted(order: Order) -> list[int]:
    fresh()
    return list(db.session.scalars(sa.select(DownloadLink.downloads).join(OrderLine)
                                   .where(OrderLine.order_id == order.id).order_by(DownloadLink.id)))


NOT_FOUND = "We can't find that order."


# ---------------------------------------------------------------- delivery

def test_a_paid_guide_comes_with_a_download_link_by_email_and_on_the_success_page(bought, client, standin):
    assert bought.status is OrderStatus.PAID and not bought.needs_shipping
    assert bought.shipping_cents == 0 and bought.shipping_address is None
    session = stripe_session(standin, bought.stripe_session_id)
    assert session["shipping_address_collection"] is None and session["shipping_options"] == []
    assert session["total_details"]["amount_shipping"] == 0

    path = emailed_link(bought)
    assert DOWNLOAD_PATH.match(path) and DOWNLOAD_PATH.match(path).group(1) == bought.number
    success = client.get(f"/checkout/success?session_id={bought.stripe_session_id}")
    assert path.replace("&", "&amp;") in success.get_data(as_text=True) or path in success.get_data(as_text=True)
    assert "5 downloads left" in page_text(success)

    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "5 downloads left" in page_text(page) and "Download the file" in page_text(page)
    assert counted(bought) == [0]  # opening the page (a mail scanner, say) uses nothing up

    file = download(client, path)
    assert file.status_code == 200 and file.data == GUIDE_BYTES
    assert file.headers["Content-Disposition"] == "attachment; filename=guide.pdf"
    assert file.headers["Cache-Control"] == "no-store"
    assert counted(bought) == [1]
    assert "4 downloads left" in page_text(client.get(path))


def test_the_link_works_five_times_then_a_fresh_one_comes_by_email(bought, client):
    path = emailed_link(bought)
    assert [download(client, path).status_code for _ in range(5)] == [200] * 5
    used_up = download(client, path)
    assert used_up.status_code == 410 and counted(bought) == [5]
    assert "used as often as it allows" in page_text(used_up) and "Email me a fresh link" in page_text(used_up)
    assert "Download the file" not in page_text(client.get(path))

    number, line_id, token = DOWNLOAD_PATH.match(path).groups()
    sent = client.post(f"/orders/{number}/downloads/{line_id}/fresh-link", data={"token": token})
    assert sent.status_code == 200 and "Please check your email" in page_text(sent)
    fresh_path = emailed_link(bought, subject="Your download link")
    assert token_of(fresh_path) != token
    assert download(client, fresh_path).status_code == 200
    assert download(client, path).status_code == 410  # the old link stays used up
    assert counted(bought) == [5, 1]

    # Pressed again: the fresh link still works, so no third link and no second email this hour.
    client.post(f"/orders/{number}/downloads/{line_id}/fresh-link", data={"token": token})
    assert counted(bought) == [5, 1] and len(queued(to=bought.email, subject="Your download link")) == 1
    kinds = db.session.scalars(sa.select(OrderEvent.kind).where(OrderEvent.order_id == bought.id)).all()
    assert kinds.count(EventKind.DOWNLOAD_LINK) == 1


def test_an_expired_link_offers_a_fresh_one_that_works_seven_days(bought, client):
    path = emailed_link(bought)
    db.session.execute(sa.update(DownloadLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = client.get(path)
    assert "This link has expired" in page_text(page) and "Email me a fresh link" in page_text(page)
    assert download(client, path).status_code == 410 and counted(bought) == [0]

    number, line_id, token = DOWNLOAD_PATH.match(path).groups()
    client.post(f"/orders/{number}/downloads/{line_id}/fresh-link", data={"token": token})
    fresh_link = db.session.scalars(sa.select(DownloadLink).order_by(DownloadLink.id.desc())).first()
    assert timedelta(days=6, hours=23) < fresh_link.expires_at - utcnow() <= timedelta(days=7)
    assert download(client, emailed_link(bought, subject="Your download link")).status_code == 200


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_the_fresh_link_button_pressed_twice_at_once_makes_one_link(app, bought, client):
    path = emailed_link(bought)
    db.session.execute(sa.update(DownloadLink).values(downloads=5))
    db.session.commit()
    number, line_id, token = DOWNLOAD_PATH.match(path).groups()
    browsers = [app.test_client() for _ in range(4)]
    barrier = threading.Barrier(len(browsers), timeout=20)
    results = []

    def press(browser):
        with app.app_context():
            barrier.wait()
            results.append(browser.post(f"/orders/{number}/downloads/{line_id}/fresh-link",
                                        data={"token": token}).status_code)

    threads = [threading.Thread(target=press, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [200] * 4
    assert len(counted(bought)) == 2 and len(queued(to=bought.email, subject="Your download link")) == 1


# ---------------------------------------------------------------- refunds

def test_refunding_the_line_stops_its_links(app, bought, standin):
    path = emailed_link(bought)
    make_staff()
    staff = app.test_client()
    log_in(staff, STAFF_EMAIL)
    [line] = bought.lines
    response = staff.post(f"/admin/orders/{bought.number}/refund",
                          data={"scope": "full", "attempt": "a" * 20, "lines": str(line.id)})
    assert response.status_code == 303
    all_delivered_ok(standin)

    shopper = app.test_client()
    refused = download(shopper, path)
    assert refused.status_code == 410 and "was refunded" in page_text(refused)
    assert "Email me a fresh link" not in page_text(shopper.get(path))
    number, line_id, token = DOWNLOAD_PATH.match(path).groups()
    assert shopper.post(f"/orders/{number}/downloads/{line_id}/fresh-link", data={"token": token}).status_code == 410
    order = reload(bought)
    assert order.status is OrderStatus.REFUNDED and order.lines[0].refunded_at is not None
    assert [e.kind for e in order.events].count(EventKind.LINES_REFUNDED) == 1
    assert len(queued(to=order.email, subject="refunded in full")) == 1


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_full_refund_in_stripes_dashboard_stops_the_links_too(bought, client, standin):
    path = emailed_link(bought)
    standin.refund_from_dashboard(bought.stripe_payment_intent_id)
    all_delivered_ok(standin)
    assert reload(bought).status is OrderStatus.REFUNDED
    assert download(client, path).status_code == 410 and counted(bought) == [0]


def test_a_partial_refund_leaves_the_link_working(bought, client, standin):
    path = emailed_link(bought)
    standin.refund_from_dashboard(bought.stripe_payment_intent_id, amount=100)
    all_delivered_ok(standin)
    assert reload(bought).status is OrderStatus.PARTIALLY_REFUNDED
    assert download(client, path).status_code == 200


# ---------------------------------------------------------------- refusals

@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_link_for_another_order_or_a_changed_token_is_refused_like_an_unknown_order(app, client, standin,
                                                                                       live_shop, guide):
    first = buy_guide(client, standin, guide)
    second = buy_guide(app.test_client(), standin, guide)
    a, b = emailed_link(first), emailed_link(second)
    a_number, a_line, a_token = DOWNLOAD_PATH.match(a).groups()
    b_number, b_line, b_token = DOWNLOAD_PATH.match(b).groups()
    client = app.test_client()  # a visitor holding only the links: no flashes of its own
    unknown = client.get("/orders/SH-NOTHERE2/downloads/1?token=x")
    assert unknown.status_code == 404 and NOT_FOUND in page_text(unknown)
    # A number no database column could hold matches no route at all: a plain 404, the
    # same for every order, so it says nothing either.
    assert client.get(f"/orders/{a_number}/downloads/99999999999999999999999?token={a_token}").status_code == 404

    changed = a_token[:-2] + ("AA" if not a_token.endswith("AA") else "BB")
    for attempt, path in enumerate((f"/orders/{b_number}/downloads/{b_line}?token={a_token}",   # another order's token
                 f"/orders/{a_number}/downloads/{b_line}?token={a_token}",   # another order's line
                 f"/orders/{b_number}/downloads/{a_line}?token={a_token}",
                 f"/orders/{a_number}/downloads/{a_line}?token={changed}",   # a changed token
                 f"/orders/{a_number}/downloads/{a_line}?token=",            # none
                 f"/orders/{a_number}/downloads/{a_line}",
                 f"/orders/{a_number}/downloads/{a_line}?token={'x' * 5000}")):
        response = client.get(path)
        assert response.status_code == 404 and page_text(response) == page_text(unknown), path
        number, line_id = path.split("/")[2], path.split("/")[4].split("?")[0]
        token = path.split("token=")[1] if "token=" in path else "x"
        assert client.post(f"/orders/{number}/downloads/{line_id}", data={"token": token or "x"}).status_code == 404
        if attempt < 5:  # the fresh-link button is rate-limited: five tries a minute
            assert client.post(f"/orders/{number}/downloads/{line_id}/fresh-link",
                               data={"token": token or "x"}).status_code == 404
    assert counted(first) == [0] and counted(second) == [0]
    assert client.post(f"/orders/{a_number}/downloads/{a_line}", data={"token": a_token}, csrf=False).status_code == 400
    assert download(client, a).status_code == 200 and download(client, b).status_code == 200


def test_only_a_known_file_inside_the_private_folder_is_ever_sent(app, bought, client, tmp_path):
    path = emailed_link(bought)
    (tmp_path / "secret.txt").write_text("not for shoppers")
    for name in ("../secret.txt", "missing.pdf", ".hidden", "a/b.pdf", "..", ""):
        db.session.execute(sa.update(OrderLine).values(download_file=name))
        db.session.commit()
        response = download(client, path)
        assert response.status_code == 503 and b"not for shoppers" not in response.data, name
        assert "Nothing was counted" in page_text(response)
    assert counted(bought) == [0]
    static_folder = Path(app.static_folder)
    assert not static_folder.joinpath("guide.pdf").exists()
    assert client.get("/static/../instance/downloads/guide.pdf").status_code == 404


@pytest.mark.parametrize("name", ["", ".env", "../x.pdf", "a/b.pdf", "a\\b.pdf", "x" * 300, "ok.pdf\x00.txt"])
def test_stored_file_refuses_anything_but_a_plain_name_in_the_folder(tmp_path, name):
    (tmp_path / "ok.pdf").write_bytes(b"ok")
    with pytest.raises(downloads.DownloadFileMissing):
        downloads.stored_file(str(tmp_path), name)
    assert downloads.stored_file(str(tmp_path), "ok.pdf") == tmp_path / "ok.pdf"


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_digital_product_without_a_file_flags_the_order(app, client, standin, live_shop):
    product = make_product(name="Forgotten PDF", kind=ProductKind.DIGITAL, price_cents=900, stock=None)
    order = buy_guide(client, standin, product)
    assert order.status is OrderStatus.PAID and order.needs_review
    assert "has no file to deliver" in order.review_reason
    assert links(queued(to=order.email)[0], containing="/downloads/") == []


@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_a_mixed_order_ships_and_downloads(app, client, standin, live_shop, guide):
    trainer = make_product(name="Trainer", price_cents=2990, stock=5)
    from tests.support.shopper import add_to_cart

    add_to_cart(client, trainer, 1)
    order = buy_guide(client, standin, guide)
    assert order.needs_shipping and order.shipping_address and order.shipping_cents == 995
    assert len(links(queued(to=order.email)[0], containing="/downloads/")) == 1


# ---------------------------------------------------------------- the last download, raced

def _last_download_race(app, bought):
    path = emailed_link(bought)
    db.session.execute(sa.update(DownloadLink).values(downloads=4))
    db.session.commit()
    browsers = [app.test_client() for _ in range(8)]
    barrier = threading.Barrier(len(browsers), timeout=20)
    statuses = []

    def press(browser):
        with app.app_context():
            barrier.wait()
            statuses.append(download(browser, path).status_code)

    threads = [threading.Thread(target=press, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200] + [410] * 7
    assert counted(bought) == [5]


@pytest.mark.postgres_only
@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_two_servers_racing_for_the_last_download_on_postgresql(app, db_backend, bought):
    _last_download_race(app, bought)


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.slow  # a long way through the stand-in: the full suite runs it
def test_racing_for_the_last_download_on_sqlite(app, db_backend, bought):
    _last_download_race(app, bought)
