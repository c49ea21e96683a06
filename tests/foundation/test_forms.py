"""Every form in the shop is a ShopForm, so no single-line field ever holds a line break."""
import importlib
import pkgutil

from flask_wtf import FlaskForm

import shop
from shop.forms import ShopForm


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_form_of_the_shop_is_a_shop_form():
    for module in pkgutil.walk_packages(shop.__path__, "shop."):
        importlib.import_module(module.name)
    forms = [f for f in _all_subclasses(FlaskForm) if f.__module__.startswith("shop.")]
    assert len(forms) > 5
    assert [f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, ShopForm)] == []
