"""The schema comes from migrations: they build an empty database on both backends,
and what they build matches the models exactly."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from shop import create_app
from shop.content.search import include_in_autogenerate
from shop.extensions import db
from tests.conftest import PG_ADMIN_URL, make_test_config, run_scoped_name


def _fresh_postgres(name: str) -> str:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return url


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


def test_migrations_build_postgresql_from_empty():
    name = run_scoped_name("shop_migrate")
    _check_upgrade_matches_models(_fresh_postgres(name))
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
