"""What every request and response passes through, set up by `register_security(app)`.

- Input: control characters in the path, the query or a form field are refused here, once,
  with a 400 in plain words (see shop/text.py for what counts and why).
"""
from __future__ import annotations

from flask import Flask, request

from shop.errors import ShopError
from shop.text import has_control_characters


class ControlCharacters(ShopError):
    """The request carries characters no person types (NUL, escape codes)."""

    def __init__(self) -> None:
        super().__init__("Some of what was sent has characters we can't accept, such as invisible control "
                         "codes. Please type it again without copying and pasting. Nothing was changed.")


def refuse_control_characters() -> None:
    """Paths and queries are single-line; form fields may be multi-line (a story, a note),
    so tab, CR and LF are allowed there and every other control character is not."""
    if has_control_characters(request.path) or any(
        has_control_characters(key) or has_control_characters(value) for key, value in request.args.items(multi=True)
    ):
        raise ControlCharacters()
    if request.method == "POST" and any(
        has_control_characters(key) or has_control_characters(value, multiline=True)
        for key, value in request.form.items(multi=True)
    ):
        raise ControlCharacters()


def register_security(app: Flask) -> None:
    app.before_request(refuse_control_characters)
