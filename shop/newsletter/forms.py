from wtforms import BooleanField, EmailField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from shop.forms import ShopForm
from shop.newsletter.services import CONSENT_TEXTS, CURRENT_CONSENT_VERSION


class SignupForm(ShopForm):
    class Meta:
        csrf = False  # a shopper form: checked by where it comes from (shop/same_origin.py)

    email = EmailField(
        "Your email address",
        validators=[
            DataRequired(message="Please type your email address."),
            Email(check_deliverability=False, message="That does not look like an email address. Please check it."),
            Length(max=320, message="That email address is too long."),
        ],
    )
    # Never ticked for them: consent must be something the reader does.
    consent = BooleanField(
        CONSENT_TEXTS[CURRENT_CONSENT_VERSION],
        validators=[DataRequired(message="Please tick the box to say you would like the emails.")],
    )
    # A honeypot: hidden from people (and from screen readers), filled in by form-filling bots.
    website = StringField("Leave this box empty", validators=[Optional(), Length(max=200)])
    source = HiddenField(validators=[Optional(), Length(max=200)])
    submit = SubmitField("Send me the free ebook")

