"""Order.transition_to guards its own row: every move outside the table is refused."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

import shop.models  # noqa: F401  (mappers configured for in-memory orders)
from shop.extensions import db
from shop.orders.models import (
    ALLOWED_TRANSITIONS,
    STATUS_TIMESTAMPS,
    IllegalTransition,
    Order,
    OrderEvent,
    OrderStatus,
)

S = OrderStatus
ALL_MOVES = list(itertools.product(OrderStatus, OrderStatus))
LEGAL = [(a, b) for a, b in ALL_MOVES if b in ALLOWED_TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_MOVES if b not in ALLOWED_TRANSITIONS[a]]


def _order(status: OrderStatus) -> Order:
    return Order(number="SH-MODEL234", currency="usd", status=status)


def _id(move) -> str:
    return f"{move[0].value}->{move[1].value}"


def test_the_table_covers_every_status():
    assert set(ALLOWED_TRANSITIONS) == set(OrderStatus)
    # The end states are final: nothing moves an expired, failed or cancelled order.
    for final in (S.EXPIRED, S.PAYMENT_FAILED, S.CANCELLED):
        assert ALLOWED_TRANSITIONS[final] == frozenset()
    # And nothing goes back to pending.
    assert all(S.PENDING not in targets for targets in ALLOWED_TRANSITIONS.values())


@pytest.mark.parametrize("move", LEGAL, ids=_id)
def test_legal_move_is_made_stamped_and_recorded(move):
    start, to = move
    order = _order(start)

    order.transition_to(to, source="test")

    assert order.status is to
    column = STATUS_TIMESTAMPS.get(to)
    if column:
        assert getattr(order, column) is not None
    [event] = order.events
    assert (event.from_status, event.to_status, event.source) == (start, to, "test")


@pytest.mark.parametrize("move", ILLEGAL, ids=_id)
def test_illegal_move_is_refused_and_changes_nothing(move):
    start, to = move
    order = _order(start)

    with pytest.raises(IllegalTransition, match=f"from {start.value} to {to.value}"):
        order.transition_to(to, source="test")

    assert order.status is start
    assert order.events == []
    assert all(getattr(order, column) is None for column in set(STATUS_TIMESTAMPS.values()))


def test_first_time_reached_is_kept_when_a_status_is_reached_again():
    order = _order(S.PAID)
    order.transition_to(S.PARTIALLY_REFUNDED, source="test")
    first = order.refunded_at
    order.transition_to(S.PARTIALLY_REFUNDED, source="test")
    assert order.refunded_at == first and len(order.events) == 2


def test_a_stored_order_refuses_an_illegal_move_and_keeps_its_history(app):
    order = Order(currency="usd", subtotal_cents=1500, total_cents=1500)
    db.session.add(order)
    db.session.flush()  # the column default makes it pending
    order.transition_to(S.EXPIRED, source="test")
    db.session.commit()

    with pytest.raises(IllegalTransition):
        order.transition_to(S.PAID, source="forged event")
    db.session.rollback()

    stored = db.session.get(Order, order.id)
    assert stored.status is S.EXPIRED and stored.paid_at is None and stored.expired_at is not None
    history = db.session.execute(sa.select(OrderEvent.from_status, OrderEvent.to_status)
                                 .where(OrderEvent.order_id == order.id)).all()
    assert history == [(S.PENDING, S.EXPIRED)]
    assert stored.number.startswith("SH-") and len(stored.number) == 11
