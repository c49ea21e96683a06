"""The base of every form in the shop.

ShopForm is Flask-WTF's form (so it carries the CSRF token) whose single-line text fields
never hold a line break: each field that is a StringField but not a TextAreaField gets
`one_line` as its first filter. A name typed as "Bob<newline>Bcc: x@example.org" is saved,
shown and put in email subjects as "Bob Bcc: x@example.org". Passwords are left exactly as
typed, since they are only ever compared.
"""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from shop.text import one_line


def _is_single_line(field_class: type) -> bool:
    return issubclass(field_class, StringField) and not issubclass(field_class, (TextAreaField, PasswordField))


class ShopForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            if _is_single_line(unbound_field.field_class):
                options["filters"] = [one_line, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, **options)
