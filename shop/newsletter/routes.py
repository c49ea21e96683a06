from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from shop.caching import public_page
from shop.database import utcnow
from shop.extensions import limiter
from shop.newsletter import services
from shop.newsletter.forms import SignupForm
from shop.newsletter.models import SubscriberStatus
from shop.same_origin import other_sites_may_post, shopper_form

bp = Blueprint("newsletter", __name__)

def _settings() -> services.MailSettings:
    config = current_app.config
    return services.MailSettings(config["SECRET_KEY"], config["SHOP_BASE_URL"], config["SHOP_NAME"])


@bp.errorhandler(services.NewsletterLinkError)
def link_problem(error: services.NewsletterLinkError):
    """A link from one of our emails we cannot act on: say why, with the signup form right there."""
    return render_template("newsletter/link_problem.html", title=error.title, message=error.message,
                           signup_form=SignupForm(formdata=None)), error.status


@bp.get("/newsletter")
@public_page
def signup_page():
    return render_template("newsletter/signup.html", signup_form=SignupForm(source="newsletter-page"))


@bp.post("/newsletter")
@shopper_form
@limiter.limit("5 per minute;30 per hour")
def signup():
    form = SignupForm()
    if not form.validate_on_submit():
        return render_template("newsletter/signup.html", signup_form=form), 400
    if not form.website.data:  # a filled honeypot is a bot: thank it and keep nothing
        services.request_signup(form.email.data, form.source.data or "", _settings(), utcnow())
    return redirect(url_for("newsletter.check_email"), code=303)


@bp.get("/newsletter/check-your-email")
@public_page
def check_email():
    return render_template("newsletter/check_email.html")


@bp.get("/newsletter/confirm/<token>")
def confirm_page(token: str):
    subscriber = services.subscriber_for_confirmation(token, current_app.config["SECRET_KEY"])
    if subscriber.status is SubscriberStatus.CONFIRMED:
        return render_template("newsletter/confirmed.html", ebook_path=services.EBOOK_PATH)
    return render_template("newsletter/confirm.html", token=token)


@bp.post("/newsletter/confirm/<token>")
@shopper_form
def confirm(token: str):
    # A button, not the GET link itself: mail scanners open links, and only a person confirms.
    services.confirm_subscription(token, _settings(), utcnow())
    return redirect(url_for("newsletter.confirm_page", token=token), code=303)


@bp.get("/newsletter/unsubscribe/<token>")
def unsubscribe_page(token: str):
    subscriber = services.subscriber_for_unsubscribe(token, current_app.config["SECRET_KEY"])
    done = subscriber is None or subscriber.status is SubscriberStatus.UNSUBSCRIBED
    return render_template("newsletter/unsubscribe.html", token=token, done=done)


@bp.post("/newsletter/unsubscribe/<token>")
@other_sites_may_post  # RFC 8058 one-click: the mail provider posts; the signed token is the proof
def unsubscribe(token: str):
    services.unsubscribe(token, current_app.config["SECRET_KEY"], utcnow())
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "You are unsubscribed.\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("newsletter/unsubscribe.html", token=token, done=True)
