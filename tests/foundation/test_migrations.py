"""The schema comes from migrations: they build an empty database on both backends,
and what they build matches the models exactly."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from shop import create_app
from shop.database import include_in_autogenerate
from shop.extensions import db
from tests.conftest import fresh_postgres, make_test_config


def _check_upgrade_matches_models(url: str) -> None:
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade(directory="migrations")
        with db.engine.connect() as conn:
            # include_name hides SQLite's FTS5 search tables, which no model describes.
            opts = {"compare_type": True, "include_name": include_in_autogenerate}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
        assert diff == [], f"models and migrations disagree: {diff}"
        assert {"products", "product_images", "outbox_emails", "staff_users", "alembic_version"} <= tables
        assert {
            "articles", "authors", "article_categories", "article_tags", "article_category_links", "article_tag_links",
            "article_references", "article_products", "testimonials", "newsletter_subscribers",
        } <= tables
        downgrade(directory="migrations", revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migrations_build_sqlite_from_empty(tmp_path):
    _check_upgrade_matches_models(f"sqlite:///{tmp_path / 'migrated.sqlite'}")


@pytest.mark.postgres_only
def test_migrations_build_postgresql_from_empty():
    with fresh_postgres("shop_migrate") as url:
        _check_upgrade_matches_models(url)


def _check_history_backfill(url: str) -> None:
    """0005 gives history written before it the kind its sentence meant, and each refund
    staff sent the sender named in that history."""
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade(directory="migrations", revision="0004")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO orders (id, number, status, stock_state, currency, subtotal_cents, shipping_cents, tax_cents,"
                " discount_cents, total_cents, amount_refunded_cents, needs_review, created_at, updated_at)"
                " VALUES (1, 'SH-OLD', 'paid', 'sold', 'usd', 1000, 0, 0, 0, 1000, 0, false, '2026-01-01', '2026-01-01')"))
            events = [
                ("checkout", "Order created from the cart; stock reserved", None),
                ("stripe:evt_1", "Checkout complete; awaiting a delayed payment (such as a bank debit)", None),
                ("stripe:evt_2", "Payment received", "paid"),
                ("staff:ann@example.com", "Refund of $5.00 sent to Stripe (re_123). The status changes when Stripe "
                 "confirms it.", None),
                ("staff:ann@example.com", "A note", None),
            ]
            for i, (source, message, to_status) in enumerate(events, start=1):
                conn.execute(sa.text(
                    "INSERT INTO order_events (id, order_id, created_at, source, message, to_status)"
                    " VALUES (:id, 1, '2026-01-01', :source, :message, :to_status)"),
                    {"id": i, "source": source, "message": message, "to_status": to_status})
            for i, refund_id in enumerate(["re_123", "re_dashboard"], start=1):
                conn.execute(sa.text(
                    "INSERT INTO order_refunds (id, order_id, stripe_refund_id, amount_cents, status, created_at, updated_at)"
                    " VALUES (:id, 1, :refund, 500, 'succeeded', '2026-01-01', '2026-01-01')"), {"id": i, "refund": refund_id})
        upgrade(directory="migrations", revision="0005")
        with db.engine.connect() as conn:
            kinds = conn.execute(sa.text("SELECT kind FROM order_events ORDER BY id")).scalars().all()
            senders = conn.execute(sa.text("SELECT requested_by FROM order_refunds ORDER BY id")).scalars().all()
        assert kinds == ["created", "awaiting_payment", "status", "refund_requested", "note"]
        assert senders == ["ann@example.com", None]
        downgrade(directory="migrations", revision="base")
        db.engine.dispose()


def test_history_backfill_on_sqlite(tmp_path):
    _check_history_backfill(f"sqlite:///{tmp_path / 'history.sqlite'}")


@pytest.mark.postgres_only
def test_history_backfill_on_postgresql():
    with fresh_postgres("shop_backfill") as url:
        _check_history_backfill(url)


def _check_after_the_sale_backfill(url: str) -> None:
    """0008 marks lines already sold as digital when their product is, and an order as one
    that ships unless all its lines are digital."""
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade(directory="migrations", revision="0006")
        with db.engine.begin() as conn:
            for pid, kind in ((1, "digital"), (2, "device")):
                conn.execute(sa.text(
                    "INSERT INTO products (id, slug, name, kind, summary, description, price_cents, sku, active, position,"
                    " created_at, updated_at) VALUES (:id, :slug, 'P', :kind, '', '', 900, :sku, true, 1,"
                    " '2026-01-01', '2026-01-01')"), {"id": pid, "slug": f"p{pid}", "kind": kind, "sku": f"S{pid}"})
            for oid, products in ((1, [1]), (2, [1, 2]), (3, [None])):
                conn.execute(sa.text(
                    "INSERT INTO orders (id, number, status, stock_state, currency, subtotal_cents, shipping_cents,"
                    " tax_cents, discount_cents, total_cents, amount_refunded_cents, needs_review, created_at, updated_at)"
                    " VALUES (:id, :number, 'paid', 'sold', 'usd', 900, 0, 0, 0, 900, 0, false, '2026-01-01',"
                    " '2026-01-01')"), {"id": oid, "number": f"SH-OLD{oid}"})
                for product in products:
                    conn.execute(sa.text(
                        "INSERT INTO order_lines (order_id, product_id, product_name, sku, unit_price_cents, quantity,"
                        " stock_tracked) VALUES (:order, :product, 'P', 'S', 900, 1, false)"),
                        {"order": oid, "product": product})
        upgrade(directory="migrations", revision="0008")
        with db.engine.connect() as conn:
            ships = dict(conn.execute(sa.text("SELECT number, needs_shipping FROM orders")).tuples().all())
            digital = conn.execute(sa.text("SELECT is_digital FROM order_lines ORDER BY id")).scalars().all()
        assert {k: bool(v) for k, v in ships.items()} == {"SH-OLD1": False, "SH-OLD2": True, "SH-OLD3": True}
        assert [bool(v) for v in digital] == [True, True, False, False]
        downgrade(directory="migrations", revision="base")
        db.engine.dispose()


def test_after_the_sale_backfill_on_sqlite(tmp_path):
    _check_after_the_sale_backfill(f"sqlite:///{tmp_path / 'after_sale.sqlite'}")


@pytest.mark.postgres_only
def test_after_the_sale_backfill_on_postgresql():
    with fresh_postgres("shop_after_sale") as url:
        _check_after_the_sale_backfill(url)


def _check_upgrade_keeps_every_row(url: str) -> None:
    """A shop with products, photos, carts and orders, upgraded from 0004 to the newest
    schema, keeps every row: no table rebuild cascades a delete to its children."""
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade(directory="migrations", revision="0004")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO products (id, slug, name, kind, summary, description, price_cents, sku, stock, active,"
                " position, created_at, updated_at) VALUES (1, 'grip', 'Grip', 'accessory', '', '', 1500, 'G-1', 5,"
                " true, 1, '2026-01-01', '2026-01-01')"))
            conn.execute(sa.text("INSERT INTO product_images (id, product_id, path, alt, position)"
                                 " VALUES (1, 1, 'img/products/trainer.svg', 'A grip', 0)"))
            conn.execute(sa.text("INSERT INTO carts (id, token, created_at, updated_at)"
                                 " VALUES (1, 'cart-token', '2026-01-01', '2026-01-01')"))
            conn.execute(sa.text("INSERT INTO cart_lines (id, cart_id, product_id, quantity, price_seen_cents, added_at)"
                                 " VALUES (1, 1, 1, 2, 1500, '2026-01-01')"))
            conn.execute(sa.text(
                "INSERT INTO orders (id, number, status, stock_state, currency, subtotal_cents, shipping_cents, tax_cents,"
                " discount_cents, total_cents, amount_refunded_cents, needs_review, created_at, updated_at)"
                " VALUES (1, 'SH-KEEP', 'paid', 'sold', 'usd', 1500, 0, 0, 0, 1500, 0, false, '2026-01-01', '2026-01-01')"))
            conn.execute(sa.text("INSERT INTO order_lines (id, order_id, product_id, product_name, sku, unit_price_cents,"
                                 " quantity, stock_tracked) VALUES (1, 1, 1, 'Grip', 'G-1', 1500, 1, true)"))
            conn.execute(sa.text("INSERT INTO order_events (id, order_id, created_at, source, message)"
                                 " VALUES (1, 1, '2026-01-01', 'checkout', 'Order created from the cart; stock reserved')"))
        upgrade(directory="migrations")
        with db.engine.connect() as conn:
            counts = {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                      for table in ("products", "product_images", "carts", "cart_lines", "orders", "order_lines",
                                    "order_events")}
            product_of_line = conn.execute(sa.text("SELECT product_id FROM order_lines")).scalar_one()
        assert counts == dict.fromkeys(counts, 1) and product_of_line == 1
        downgrade(directory="migrations", revision="base")
        db.engine.dispose()


def test_upgrading_a_populated_sqlite_shop_keeps_every_row(tmp_path):
    _check_upgrade_keeps_every_row(f"sqlite:///{tmp_path / 'populated.sqlite'}")


@pytest.mark.postgres_only
def test_upgrading_a_populated_postgresql_shop_keeps_every_row():
    with fresh_postgres("shop_populated") as url:
        _check_upgrade_keeps_every_row(url)
