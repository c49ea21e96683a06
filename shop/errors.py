"""Refusals and error pages.

Services raise a `ShopError` (or a subclass) when they refuse an action: it carries a
message written for the person and an HTTP status. One handler, registered here, turns
any of them into the shop's error page, so routes need no try/except ladders. A
blueprint that answers a refusal differently (the cart flashes it and shows the cart)
registers its own handler for that subclass, once, beside its routes.
"""
from __future__ import annotations

from flask import Flask, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from shop.extensions import db
from shop.web import back_path


class ShopError(Exception):
    """An action the shop refuses. Nothing was changed."""

    status = 400
    title: str | None = None  # the page's heading; by default the one for the status
    # (button label, endpoint) of the most useful page to go to next, if not the home page.
    next_step: tuple[str, str] | None = None

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FieldRefused(ShopError):
    """A value typed in a form that a service cannot take; `field` names the form field, so
    the form is shown again with the message beside that field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class NotFound(ShopError):
    status = 404


class Conflict(ShopError):
    """The thing exists, but its state does not allow this now."""

    status = 409


class Unavailable(ShopError):
    """A service we depend on (Stripe) did not answer; trying again later may work."""

    status = 503


MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Something in that request was not right", "Please go back and try again. Nothing was changed."),
    403: ("You can't open this page", "This page is only for shop staff."),
    404: ("We can't find that page", "The link may be old, or the page may have moved."),
    405: ("That didn't work", "This page can't be used that way. Please go back and use the buttons on the page."),
    409: ("That can't be done", "Please go back and check. Nothing was changed."),
    413: ("That was too much to send", "Please send less at once and try again. Nothing was changed."),
    429: ("Please slow down a little", "You've done that several times in a short while. Please wait a minute and try again."),
    500: ("Sorry, something went wrong on our side", "Nothing you did caused this. Please try again in a moment."),
    503: ("That is not available right now", "Please try again in a few minutes. Nothing was changed."),
}


def render_error(code: int, message: str | None = None, title: str | None = None,
                 next_step: tuple[str, str] | None = None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    next_link = (next_step[0], url_for(next_step[1])) if next_step else None
    return render_template("errors/error.html", code=code, title=title or default_title,
                           message=message or default_message, next_link=next_link), code


def render_refusal(error: ShopError):
    if request.blueprint == "admin":
        # Staff see refusals inside the staff area, with a way back to where they were.
        title = error.title or MESSAGES.get(error.status, MESSAGES[400])[0]
        return render_template("admin/refused.html", title=title, message=error.message,
                               back_to=back_path(url_for("admin.dashboard"))), error.status
    return render_error(error.status, error.message, error.title, error.next_step)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ShopError)
    def refused(error: ShopError):
        db.session.rollback()  # a refusal changes nothing, whatever the service had begun
        return render_refusal(error)

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
        if error.code == 429:
            custom = None  # Flask-Limiter's description is the limit ("5 per 1 minute"), not words for people
        return render_error(error.code, custom)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        # Leave no half-done transaction behind for the next request on this session.
        db.session.rollback()
        app.logger.error("500 on %s %s", request.method, request.path, exc_info=error.original_exception)
        return render_error(500)
