"""Error pages in the shop's own look, with plain words and a way back."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from shop.extensions import db

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Something in that request was not right", "Please go back and try again. Nothing was changed."),
    403: ("You can't open this page", "This page is only for shop staff."),
    404: ("We can't find that page", "The link may be old, or the page may have moved."),
    405: ("That didn't work", "This page can't be used that way. Please go back and use the buttons on the page."),
    413: ("That was too much to send", "Please send less at once and try again. Nothing was changed."),
    429: ("Please slow down a little", "You've done that several times in a short while. Please wait a minute and try again."),
    500: ("Sorry, something went wrong on our side", "Nothing you did caused this. Please try again in a moment."),
}


def render_error(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    return render_template("errors/error.html", code=code, title=title, message=message or default_message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            "This form could not be checked. Please go back, reload the page and send it again. Nothing was changed.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # A message written for people, passed as abort(code, "…"), is shown as is.
        custom = error.description if error.description and error.description != type(error).description else None
        return render_error(error.code, custom)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        # Leave no half-done transaction behind for the next request on this session.
        db.session.rollback()
        app.logger.error("500 on %s %s", request.method, request.path, exc_info=error.original_exception)
        return render_error(500)
