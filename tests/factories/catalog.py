"""Products."""
from __future__ import annotations

from typing import Any

from shop.catalog.models import Product, ProductImage, ProductKind
from tests.factories.base import finish, sequence


def make_product(*, images: int = 1, commit: bool = True, **fields: Any) -> Product:
    n = next(sequence)
    values: dict[str, Any] = {
        "slug": f"product-{n}",
        "name": f"Test product {n}",
        "kind": ProductKind.ACCESSORY,
        "summary": "A product made for a test.",
        "description": "Plain **Markdown** description.",
        "price_cents": 1500,
        "sku": f"TEST-{n}",
        "stock": 20,
        "position": n,
    }
    values.update(fields)
    product = Product(**values)
    product.images = [ProductImage(path="img/products/trainer.svg", alt=f"Picture {i} of {values['name']}", position=i) for i in range(images)]
    return finish(product, commit)
