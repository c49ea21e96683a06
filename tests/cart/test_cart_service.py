"""The cart service without HTTP: adding, merging, limits, and what it shows when the
catalogue changes under a cart."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.cart import services
from shop.cart.models import Cart, CartLine
from shop.catalog.services import ProductNotFound
from shop.database import QuickWriteConflict, utcnow
from shop.extensions import db
from tests.factories import make_product

MAX = 10


def view(token):
    return services.view_cart(token, "usd", MAX)


def test_first_add_creates_a_cart_with_one_line(app):
    product = make_product(price_cents=2500)
    token = services.add_to_cart(None, product.slug, 2, MAX)
    cart = view(token)
    assert [(line.product.slug, line.quantity, line.line_total_cents) for line in cart.lines] == [(product.slug, 2, 5000)]
    assert cart.subtotal_cents == 5000 and cart.item_count == 2 and cart.can_checkout


def test_adding_the_same_product_again_merges_the_line(app):
    product = make_product()
    token = services.add_to_cart(None, product.slug, 1, MAX)
    assert services.add_to_cart(token, product.slug, 3, MAX) == token
    assert [line.quantity for line in view(token).lines] == [4]
    assert db.session.scalar(sa.select(sa.func.count(CartLine.id))) == 1


def test_unknown_token_starts_a_new_cart(app):
    product = make_product()
    token = services.add_to_cart("forged-or-expired", product.slug, 1, MAX)
    assert token != "forged-or-expired" and len(view(token).lines) == 1


@pytest.mark.parametrize("active", [False])
def test_inactive_and_unknown_products_cannot_be_added(app, active):
    product = make_product(active=active)
    for slug in (product.slug, "no-such-product"):
        with pytest.raises(ProductNotFound):
            services.add_to_cart(None, slug, 1, MAX)
    assert db.session.scalar(sa.select(sa.func.count(Cart.id))) == 0


def test_line_limit_is_the_configured_maximum(app):
    product = make_product(stock=None)
    token = services.add_to_cart(None, product.slug, MAX, MAX)
    with pytest.raises(services.InvalidQuantity, match="up to 10"):
        services.add_to_cart(token, product.slug, 1, MAX)
    assert [line.quantity for line in view(token).lines] == [MAX]


def test_never_more_than_the_stock(app):
    product = make_product(stock=3)
    token = services.add_to_cart(None, product.slug, 2, MAX)
    with pytest.raises(services.NotEnoughStock, match="only 3"):
        services.add_to_cart(token, product.slug, 2, MAX)
    with pytest.raises(services.NotEnoughStock):
        services.set_line_quantity(token, view(token).lines[0].line_id, 4, MAX)
    assert [line.quantity for line in view(token).lines] == [2]


def test_out_of_stock_cannot_be_added(app):
    product = make_product(stock=0)
    with pytest.raises(services.NotEnoughStock, match="out of stock"):
        services.add_to_cart(None, product.slug, 1, MAX)


def test_set_quantity_and_zero_removes(app):
    a, b = make_product(), make_product()
    token = services.add_to_cart(None, a.slug, 1, MAX)
    services.add_to_cart(token, b.slug, 1, MAX)
    line_a, line_b = view(token).lines
    services.set_line_quantity(token, line_a.line_id, 5, MAX)
    services.set_line_quantity(token, line_b.line_id, 0, MAX)
    assert [(line.product.slug, line.quantity) for line in view(token).lines] == [(a.slug, 5)]


def test_lines_of_another_cart_cannot_be_touched(app):
    product = make_product()
    mine = services.add_to_cart(None, product.slug, 1, MAX)
    theirs = services.add_to_cart(None, product.slug, 2, MAX)
    their_line = view(theirs).lines[0].line_id
    with pytest.raises(services.CartLineNotFound):
        services.set_line_quantity(mine, their_line, 1, MAX)
    with pytest.raises(services.CartLineNotFound):
        services.remove_line(mine, their_line)
    with pytest.raises(services.CartLineNotFound):
        services.remove_line(None, their_line)
    assert [line.quantity for line in view(theirs).lines] == [2]


def test_price_change_shows_the_new_price_with_a_notice(app):
    product = make_product(price_cents=1000)
    token = services.add_to_cart(None, product.slug, 2, MAX)
    product.price_cents = 1200
    db.session.commit()
    cart = view(token)
    assert cart.subtotal_cents == 2400
    assert "changed from $10.00 to $12.00" in cart.lines[0].notices[0]
    assert cart.can_checkout


def test_stock_falling_below_the_cart_blocks_checkout_with_a_notice(app):
    product = make_product(stock=5)
    token = services.add_to_cart(None, product.slug, 4, MAX)
    product.stock = 2
    db.session.commit()
    cart = view(token)
    assert not cart.can_checkout and "Only 2" in cart.lines[0].notices[0]
    product.stock = 0
    db.session.commit()
    assert "out of stock" in view(token).lines[0].notices[0]


def test_deactivated_product_is_left_out_of_the_subtotal(app):
    keep, gone = make_product(price_cents=1000), make_product(price_cents=5000)
    token = services.add_to_cart(None, keep.slug, 1, MAX)
    services.add_to_cart(token, gone.slug, 1, MAX)
    gone.active = False
    db.session.commit()
    cart = view(token)
    assert cart.subtotal_cents == 1000 and cart.item_count == 1 and not cart.can_checkout
    assert "no longer sold" in cart.lines[1].notices[0]
    with pytest.raises(services.NoLongerSold):
        services.set_line_quantity(token, cart.lines[1].line_id, 2, MAX)
    services.remove_line(token, cart.lines[1].line_id)
    assert view(token).can_checkout


def test_empty_cart_removes_every_line(app):
    product = make_product()
    token = services.add_to_cart(None, product.slug, 1, MAX)
    services.empty_cart(token)
    db.session.commit()
    assert view(token).is_empty


def test_purge_removes_old_empty_carts_and_keeps_abandoned_ones(app):
    product = make_product()
    old_empty = services.add_to_cart(None, product.slug, 1, MAX)
    services.remove_line(old_empty, view(old_empty).lines[0].line_id)
    abandoned = services.add_to_cart(None, product.slug, 1, MAX)
    fresh_empty = services.add_to_cart(None, product.slug, 1, MAX)
    services.remove_line(fresh_empty, view(fresh_empty).lines[0].line_id)
    long_ago = utcnow() - timedelta(days=40)
    db.session.execute(sa.update(Cart).where(Cart.token.in_([old_empty, abandoned])).values(updated_at=long_ago))
    db.session.commit()

    assert services.purge_carts(timedelta(days=30)) == 1
    assert set(db.session.scalars(sa.select(Cart.token))) == {abandoned, fresh_empty}
    assert services.purge_carts(timedelta(days=30), include_abandoned=True) == 1
    assert set(db.session.scalars(sa.select(Cart.token))) == {fresh_empty}
    assert db.session.scalar(sa.select(sa.func.count(CartLine.id))) == 0


def test_money_in_the_cart_is_integer_cents(app):
    product = make_product(price_cents=333)
    token = services.add_to_cart(None, product.slug, 3, MAX)
    cart = view(token)
    assert cart.subtotal_cents == 999 and isinstance(cart.subtotal_cents, int)


def test_the_mini_cart_counts_what_the_cart_page_counts(app):
    """The header's one-query summary applies the cart page's rule for what can be bought."""
    from shop.orders.models import OrderStatus
    from shop.orders.services import reserve_stock
    from tests.factories import make_order

    kept, retired, sold_out, short, held = (make_product(price_cents=1000 * n, stock=20) for n in range(1, 6))
    token = None
    for product, quantity in ((kept, 2), (retired, 1), (sold_out, 1), (short, 6), (held, 3)):
        token = services.add_to_cart(token, product.slug, quantity, MAX)
    retired.active = False
    sold_out.stock = 0
    short.stock = 4
    order = make_order(status=OrderStatus.PENDING, cart_token=token, commit=False)
    order.lines[0].product_id, order.lines[0].quantity = held.id, 18  # this cart's own checkout
    reserve_stock(order)
    db.session.commit()

    page, summary = view(token), services.mini_cart(token, "usd", MAX)
    assert (summary.item_count, summary.subtotal_cents) == (page.item_count, page.subtotal_cents) == (5, 17000)
    assert summary.holds_stock
    assert services.mini_cart(None, "usd", MAX) == services.MiniCart(currency="usd")


def test_a_new_visitors_cart_is_written_with_its_line_or_not_at_all(app):
    """The first add writes the cart and its line outside the session (shop.database.QuickWrite),
    in the statement that reads the product: together, with times stored as the session stores
    them, and nothing when the product may not go in the cart or a row clashes."""
    product = make_product(price_cents=2500, stock=2)
    slug, product_id = product.slug, product.id
    retired, sold_out = make_product(active=False).slug, make_product(stock=0).slug
    now = utcnow()

    def write(token: str, slug: str, quantity: int = 2) -> list:
        return services._NEW_CART_WITH_LINE.run(token=token, now=now, slug=slug, quantity=quantity, article=None)

    db.session.rollback()  # the session's read began before the writes (the products' slugs)
    assert len(write("quick", slug)) == 1  # all the stock there is
    cart = db.session.scalar(sa.select(Cart).where(Cart.token == "quick"))
    assert (cart.created_at, cart.updated_at) == (now, now)
    assert [(line.product_id, line.quantity, line.price_seen_cents, line.added_at) for line in cart.lines] == [
        (product_id, 2, 2500, now)]
    db.session.rollback()

    refused = {"more than the shelf": (slug, 3), "retired": (retired, 1), "sold out": (sold_out, 1),
               "unknown": ("no-such-product", 1)}
    assert {why: write(f"refused-{n}", slug, quantity) for n, (why, (slug, quantity)) in enumerate(refused.items())} \
        == dict.fromkeys(refused, [])
    with pytest.raises(QuickWriteConflict):  # the token is taken: neither row is kept
        write("quick", slug, 1)
    assert db.session.execute(sa.select(sa.func.count(Cart.id), sa.func.count(CartLine.id))
                              .select_from(Cart).outerjoin(CartLine)).one() == (1, 1)
    token = services.add_to_cart(None, slug, 1, MAX)  # the kept connection still works
    assert [line.quantity for line in view(token).lines] == [1]


def test_a_new_visitors_add_is_one_statement_on_postgresql(app, db_backend, count_queries):
    """The product read and the cart's write go together (one round trip on PostgreSQL, one
    transaction on SQLite); a refusal is then explained by the ordinary add."""
    product, sold_out = make_product().slug, make_product(stock=0).slug
    with count_queries() as queries:
        services.add_to_cart(None, product, 1, MAX)
    assert len(queries) == (1 if db_backend == "postgresql" else 2)
    with pytest.raises(services.NotEnoughStock, match="out of stock"), count_queries() as queries:
        services.add_to_cart(None, sold_out, 1, MAX)
    assert "INSERT INTO carts" in queries[0]  # tried first, wrote nothing; then read to say why


@pytest.mark.postgres_only
@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_only_the_new_visitors_cart_commits_without_waiting_for_the_disk(app):
    """On PostgreSQL the kept connection's writes (a new visitor's cart) commit asynchronously,
    as SQLite commits every write in WAL mode; orders and everything else written through the
    session still wait for the disk."""
    from shop import database

    product = make_product()
    services.add_to_cart(None, product.slug, 1, MAX)
    kept = database._HELD.held.connection
    assert kept.execute("SHOW synchronous_commit").fetchone()[0] == "off"
    assert db.session.scalar(sa.text("SHOW synchronous_commit")) == "on"
