"""Markdown is rendered when content is saved and stored with the renderer's version
(shop.markup.StoredMarkdown); pages show the stored HTML and never render on a view."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from shop import create_app
from shop.catalog.models import Product
from shop.content.models import Article, Author
from shop.extensions import db
from shop.markup import MARKUP_VERSION, refresh_stored_markdown
from tests.conftest import make_test_config
from tests.factories import make_article, make_author, make_product
from tests.foundation.test_migrations import fresh_postgres
from tests.support.html import dangerous_markup


def test_saving_renders_and_stores_the_html(app):
    product = make_product(description="Plain **bold** words.\n\n<script>alert(1)</script>")
    assert product.description_html.startswith("<p>Plain <strong>bold</strong> words.</p>")
    assert dangerous_markup(product.description_html) == []
    assert product.markup_version == MARKUP_VERSION

    product.description = "Now *different*."
    db.session.commit()
    assert product.description_html == "<p>Now <em>different</em>.</p>\n"


def test_a_save_that_leaves_the_markdown_alone_does_not_render_again(app):
    product = make_product(description="Once.")
    db.session.execute(sa.update(Product).where(Product.id == product.id).values(description_html="<p>kept</p>"))
    db.session.commit()
    db.session.expire_all()
    product.price_cents = 999
    db.session.commit()
    assert product.description_html == "<p>kept</p>"


def test_pages_show_the_stored_html(app, client):
    """What is stored is what is shown: no page renders Markdown on a view."""
    make_product(slug="stored", description="Source *text*.")
    author = make_author(slug="stored-author", bio="Bio *text*.")
    make_article(slug="stored-article", author=author, body="Body *text*.")
    for model in (Product, Author, Article):
        column = next(iter(model.__markdown__.values()))
        db.session.execute(sa.update(model).values({column: "<p>FROM THE DATABASE</p>"}))
    for path in ("/products/stored", "/authors/stored-author", "/articles/stored-article"):
        body = client.get(path).get_data(as_text=True)
        assert "FROM THE DATABASE" in body and "Source" not in body, path


def test_an_older_renderers_html_is_shown_fresh_and_refreshed_by_the_command(app, client, runner):
    product = make_product(slug="stale", description="Fresh *words*.")
    db.session.execute(sa.update(Product).where(Product.id == product.id)
                       .values(description_html="<p>old renderer</p>", markup_version=MARKUP_VERSION - 1))
    db.session.commit()
    body = client.get("/products/stale").get_data(as_text=True)
    assert "Fresh <em>words</em>." in body and "old renderer" not in body

    result = runner.invoke(args=["markup", "refresh"])
    assert result.exit_code == 0 and "1 rows rendered afresh" in result.output
    db.session.expire_all()
    assert product.description_html == "<p>Fresh <em>words</em>.</p>\n" and product.markup_version == MARKUP_VERSION
    assert refresh_stored_markdown() == 0  # nothing left to do: safe to run again


def _check_migration_fills_existing_rows(url: str) -> None:
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade(directory="migrations", revision="0012")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO products (id, slug, name, kind, summary, description, price_cents, sku, active, position,"
                " created_at, updated_at) VALUES (1, 'old', 'Old', 'accessory', '', 'An *old* product.', 100, 'OLD',"
                " true, 0, '2026-01-01', '2026-01-01')"))
            conn.execute(sa.text(
                "INSERT INTO authors (id, slug, name, credentials, bio, photo_alt, created_at, updated_at)"
                " VALUES (1, 'old', 'Old', '', 'A **bio**.', '', '2026-01-01', '2026-01-01')"))
            conn.execute(sa.text(
                "INSERT INTO policy_pages (id, slug, title, summary, body, body_html, renderer_version, position,"
                " updated_at) VALUES (1, 'terms', 'Terms', '', 'Our *terms*.', '<p>Our <em>terms</em>.</p>', '1', 1,"
                " '2026-01-01')"))
        upgrade(directory="migrations", revision="0013")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT description_html, markup_version FROM products")).one() == (
                "<p>An <em>old</em> product.</p>\n", MARKUP_VERSION)
            assert conn.execute(sa.text("SELECT bio_html FROM authors")).scalar_one() == "<p>A <strong>bio</strong>.</p>\n"
            assert conn.execute(sa.text("SELECT body_html, markup_version FROM policy_pages")).one() == (
                "<p>Our <em>terms</em>.</p>\n", MARKUP_VERSION)
        downgrade(directory="migrations", revision="base")
        db.engine.dispose()


def test_the_migration_renders_existing_rows_on_sqlite(tmp_path):
    _check_migration_fills_existing_rows(f"sqlite:///{tmp_path / 'stored.sqlite'}")


@pytest.mark.postgres_only
def test_the_migration_renders_existing_rows_on_postgresql():
    with fresh_postgres("shop_stored_md") as url:
        _check_migration_fills_existing_rows(url)
