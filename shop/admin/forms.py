"""The staff area's forms. Each one carries the CSRF token; money is typed as 12.50."""
from __future__ import annotations

import secrets

from flask import abort, current_app
from wtforms import HiddenField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from shop.forms import ShopForm
from shop.money import parse_money


class ShipForm(ShopForm):
    submit = SubmitField("Mark shipped")


class ReviewForm(ShopForm):
    note = TextAreaField(
        "What did you check? (kept in the order's history)",
        validators=[DataRequired(message="Please write a short note about what you checked."),
                    Length(max=1000, message="Please keep the note under 1,000 letters.")],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Mark reviewed")


class RefundForm(ShopForm):
    scope = RadioField(
        "How much to refund",
        choices=[SelectChoice("full", "Everything that is left"), SelectChoice("part", "Only part of it")],
        validators=[InputRequired(message="Please choose how much to refund.")],
    )
    amount = StringField(
        "Amount to refund, for example 12.50 (only for part of it)",
        validators=[Optional(), Length(max=20, message="That amount is too long.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    # One per rendered form: sending the same form twice refunds once (Stripe idempotency).
    attempt = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
    submit = SubmitField("Refund")

    amount_cents: int | None = None  # None: everything that is left

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.attempt.data:
            self.attempt.data = secrets.token_urlsafe(16)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.scope.data == "full":
            self.amount_cents = None
            return True
        try:
            self.amount_cents = parse_money(self.amount.data or "", current_app.config["SHOP_CURRENCY"])
        except ValueError as exc:
            self.amount.errors = [str(exc)]
            return False
        if self.amount_cents <= 0:
            self.amount.errors = ["Enter an amount above zero, for example 12.50."]
            return False
        return True


class StoryActionForm(ShopForm):
    """Publish and reject buttons: nothing to fill in but the CSRF token."""


def check_buttons(form: ShopForm) -> None:
    """Forms with nothing to fill in but the CSRF token: a bad token is a 400."""
    if not form.validate_on_submit():
        abort(400)
