import sqlalchemy as sa

from shop.catalog.models import Product, ProductImage, ProductKind
from shop.extensions import db


def _snapshot():
    rows = db.session.execute(sa.select(Product.slug, Product.price_cents, Product.stock, Product.updated_at)).all()
    return sorted(rows), db.session.scalar(sa.select(sa.func.count(ProductImage.id)))


def test_seed_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    before = _snapshot()
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert "0 products added" in second.output
    assert _snapshot() == before


def test_seed_keeps_staff_changes(seeded):
    product = db.session.scalar(sa.select(Product).where(Product.slug == "assist-strap"))
    product.price_cents = 2100
    db.session.commit()
    from shop.seed import seed_all

    list(seed_all())
    db.session.refresh(product)
    assert product.price_cents == 2100


def test_demo_catalogue_has_every_kind_with_images_and_alt_text(seeded):
    products = db.session.scalars(sa.select(Product)).all()
    kinds = [p.kind for p in products]
    assert kinds.count(ProductKind.DEVICE) >= 1 and kinds.count(ProductKind.BUNDLE) >= 1
    assert kinds.count(ProductKind.ACCESSORY) >= 3 and kinds.count(ProductKind.DIGITAL) >= 1
    assert all(p.images and all(len(i.alt) > 10 for i in p.images) for p in products)
    assert all(isinstance(p.price_cents, int) for p in products)
    digital = next(p for p in products if p.kind is ProductKind.DIGITAL)
    assert digital.stock is None
