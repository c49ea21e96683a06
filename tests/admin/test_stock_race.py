"""A stock adjustment racing a checkout, with real concurrency on PostgreSQL: threads, each
in its own app context and database session."""
from __future__ import annotations

import threading
import time

import pytest

from shop.audit.services import Actor
from shop.catalog import staff as catalog
from shop.catalog.models import Product, StockMovement, StockReason
from shop.database import write_transaction
from shop.extensions import db
from shop.orders.services import LineToOrder, OutOfStock, place_pending_order
from tests.factories import make_product
from tests.support.db import count, stock_of

ACTOR = Actor(None, "tester@example.com")


def _movements(product) -> int:
    return count(StockMovement, StockMovement.product_id == product.id)


@pytest.fixture(params=["postgresql"])
def db_backend(request):
    """PostgreSQL only: the race needs its row locks and concurrent writers."""
    return request.param


@pytest.mark.postgres_only
def test_an_adjustment_racing_a_checkout_never_takes_stock_below_zero_on_postgresql(app, db_backend):
    """A checkout reserves 3 of 5 and holds its transaction open; an adjustment of -4 runs
    meanwhile and waits on the row. Both cannot fit: whichever commits first wins, the other
    is refused by the database's re-check of the condition, and stock is never below zero.
    Rounds alternate which one starts first."""
    for round_ in range(6):
        product = make_product(name=f"Race {round_}", stock=5, price_cents=1000)
        barrier = threading.Barrier(2, timeout=20)
        results: dict[str, str] = {}
        checkout_first = round_ % 2 == 0

        def buy():
            with app.app_context():
                barrier.wait()
                if not checkout_first:
                    time.sleep(0.05)
                try:
                    with write_transaction():
                        item = db.session.get(Product, product.id)
                        place_pending_order([LineToOrder(item, 3, 1000)], currency="usd", shipping_cents=0,
                                            cart_token=None)
                        time.sleep(0.3)  # hold the row lock while the adjustment waits on it
                    results["checkout"] = "reserved"
                except OutOfStock:
                    results["checkout"] = "sold out"

        def adjust():
            with app.app_context():
                barrier.wait()
                if checkout_first:
                    time.sleep(0.05)
                try:
                    catalog.adjust_stock(product.id, -4, StockReason.DAMAGED, "race", actor=ACTOR)
                    results["adjustment"] = "made"
                except catalog.StockRefused:
                    results["adjustment"] = "refused"

        threads = [threading.Thread(target=buy), threading.Thread(target=adjust)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        left = stock_of(product)
        assert left is not None and left >= 0
        # Which one wins depends on timing (a busy machine can reorder them); that exactly
        # one of them did, and the stock agrees, must not.
        if results["checkout"] == "reserved":
            assert results["adjustment"] == "refused" and left == 2 and _movements(product) == 0
        else:
            assert results == {"checkout": "sold out", "adjustment": "made"} and left == 1
            assert _movements(product) == 1
