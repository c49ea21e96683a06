from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from shop.database import utcnow
from shop.extensions import csrf, limiter
from shop.newsletter import services
from shop.newsletter.forms import SignupForm
from shop.newsletter.models import SubscriberStatus

bp = Blueprint("newsletter", __name__)

LINK_PROBLEMS = {
    services.ExpiredLink: (
        "This link has expired",
        "Confirmation links work for seven days. Please sign up again below and we will send you a new one.",
    ),
    services.StaleLink: (
        "This link is no longer active",
        "You unsubscribed after we sent it, so we have not signed you up again. To get the emails, sign up below.",
    ),
    services.ForgedLink: (
        "We can't use this link",
        "It may have been copied only in part. Please open the link from the email again, or sign up below.",
    ),
}


def _settings() -> services.MailSettings:
    config = current_app.config
    return services.MailSettings(config["SECRET_KEY"], config["SHOP_BASE_URL"], config["SHOP_NAME"])


def _link_problem(error: services.NewsletterLinkError):
    title, message = LINK_PROBLEMS[type(error)]
    return render_template("newsletter/link_problem.html", title=title, message=message, signup_form=SignupForm(formdata=None)), 400


@bp.get("/newsletter")
def signup_page():
    return render_template("newsletter/signup.html", signup_form=SignupForm(source="newsletter-page"))


@bp.post("/newsletter")
@limiter.limit("5 per minute;30 per hour")
def signup():
    form = SignupForm()
    if not form.validate_on_submit():
        return render_template("newsletter/signup.html", signup_form=form), 400
    if not form.website.data:  # a filled honeypot is a bot: thank it and keep nothing
        services.request_signup(form.email.data, form.source.data or "", _settings(), utcnow())
    return redirect(url_for("newsletter.check_email"), code=303)


@bp.get("/newsletter/check-your-email")
def check_email():
    return render_template("newsletter/check_email.html")


@bp.get("/newsletter/confirm/<token>")
def confirm_page(token: str):
    try:
        subscriber = services.subscriber_for_confirmation(token, current_app.config["SECRET_KEY"])
    except services.NewsletterLinkError as error:
        return _link_problem(error)
    if subscriber.status is SubscriberStatus.CONFIRMED:
        return render_template("newsletter/confirmed.html", ebook_path=services.EBOOK_PATH)
    return render_template("newsletter/confirm.html", token=token)


@bp.post("/newsletter/confirm/<token>")
def confirm(token: str):
    # A button, not the GET link itself: mail scanners open links, and only a person confirms.
    try:
        services.confirm_subscription(token, _settings(), utcnow())
    except services.NewsletterLinkError as error:
        return _link_problem(error)
    return redirect(url_for("newsletter.confirm_page", token=token), code=303)


@bp.get("/newsletter/unsubscribe/<token>")
def unsubscribe_page(token: str):
    try:
        subscriber = services.subscriber_for_unsubscribe(token, current_app.config["SECRET_KEY"])
    except services.NewsletterLinkError as error:
        return _link_problem(error)
    done = subscriber is None or subscriber.status is SubscriberStatus.UNSUBSCRIBED
    return render_template("newsletter/unsubscribe.html", token=token, done=done)


@bp.post("/newsletter/unsubscribe/<token>")
@csrf.exempt  # RFC 8058 one-click: the mail app posts without our form; the signed token is the proof
def unsubscribe(token: str):
    try:
        services.unsubscribe(token, current_app.config["SECRET_KEY"], utcnow())
    except services.NewsletterLinkError as error:
        return _link_problem(error)
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "You are unsubscribed.\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("newsletter/unsubscribe.html", token=token, done=True)
