"""The shopper's forms about an order: finding it again, and the download buttons."""
from __future__ import annotations

from wtforms import EmailField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from shop.forms import ShopForm


class LookupForm(ShopForm):
    number = StringField(
        "Your order number (it starts with SH-, and is in your confirmation email)",
        validators=[DataRequired(message="Please type your order number."),
                    Length(max=40, message="An order number is shorter than that. Please check it.")],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    email = EmailField(
        "The email address you gave when you paid",
        validators=[DataRequired(message="Please type your email address."),
                    Email(check_deliverability=False,
                          message="That does not look like an email address. Please check it."),
                    Length(max=320, message="That email address is too long.")],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField("Email me the link to my order")


class DownloadForm(ShopForm):
    """The download button: the link's token travels in the form, not in a second URL."""

    # Any length: a token that is not ours gets the same 404 as an unknown order.
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Download the file")


class FreshLinkForm(ShopForm):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Email me a fresh link")
