"""The staff area's forms. Each one carries the CSRF token; money is typed as 12.50."""
from __future__ import annotations

import secrets

from flask import abort, current_app
from flask_wtf import FlaskForm
from wtforms import (
    FieldList, Form, FormField, HiddenField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField,
    SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from shop.money import parse_money
from shop.orders.models import CARRIER_NAMES, Carrier
from shop.orders.shipping import MAX_PARCELS_AT_ONCE, ParcelInvalid, ParcelToShip


class ParcelForm(Form):
    """One parcel: its carrier and tracking number (another carrier: its name and page)."""

    carrier = SelectField("Carrier", choices=[SelectChoice("", "No parcel here")]
                          + [SelectChoice(c.value, CARRIER_NAMES[c]) for c in Carrier], validators=[Optional()])
    tracking_number = StringField("Tracking number", validators=[Optional(), Length(max=80)],
                                  render_kw={"autocomplete": "off", "spellcheck": "false"})
    carrier_name = StringField("Another carrier's name", validators=[Optional(), Length(max=80)])
    tracking_url = StringField("Another carrier's tracking page (https://…, optional)",
                               validators=[Optional(), Length(max=500)], render_kw={"inputmode": "url"})


class ShipForm(FlaskForm):
    """Up to three parcels sent at once; each later parcel can be added the same way."""

    parcels = FieldList(FormField(ParcelForm), min_entries=MAX_PARCELS_AT_ONCE, max_entries=MAX_PARCELS_AT_ONCE)
    submit = SubmitField("Mark shipped")

    chosen: list[ParcelToShip]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        self.chosen = []
        for entry in self.parcels:
            parcel = entry.form
            if not parcel.carrier.data:
                if parcel.tracking_number.data or parcel.carrier_name.data:
                    parcel.carrier.errors = ["Please choose the carrier for this parcel."]
                    return False
                continue
            try:
                self.chosen.append(ParcelToShip(Carrier(parcel.carrier.data), parcel.tracking_number.data,
                                                parcel.carrier_name.data, parcel.tracking_url.data).checked())
            except ParcelInvalid as invalid:
                parcel.tracking_number.errors = [invalid.message]
                return False
        if not self.chosen:
            self.parcels[0].form.carrier.errors = ["Please choose the carrier of at least one parcel."]
            return False
        return True


class PackForm(FlaskForm):
    submit = SubmitField("Mark packed")


class DeliveredForm(FlaskForm):
    submit = SubmitField("Mark delivered")


class PolicyForm(FlaskForm):
    title = StringField("Page title", validators=[DataRequired(message="Please give the page a title."),
                                                  Length(max=200, message="Please keep the title under 200 letters.")])
    summary = StringField(
        "One-sentence summary (shown in search results)",
        validators=[Optional(), Length(max=300, message="Please keep the summary under 300 letters.")],
    )
    body = TextAreaField(
        "The page, in Markdown (## for a heading, - for a list, [words](https://…) for a link)",
        validators=[DataRequired(message="Please write the page."),
                    Length(max=50_000, message="Please keep the page under 50,000 letters.")],
        render_kw={"rows": 24, "aria-describedby": "body-hint"},
    )
    submit = SubmitField("Save the page")


class ReviewForm(FlaskForm):
    note = TextAreaField(
        "What did you check? (kept in the order's history)",
        validators=[DataRequired(message="Please write a short note about what you checked."),
                    Length(max=1000, message="Please keep the note under 1,000 letters.")],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Mark reviewed")


class RefundForm(FlaskForm):
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
    lines = SelectMultipleField(
        "Which digital products does this refund cover? Their download links stop working.",
        coerce=int, choices=[], validate_choice=True, option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
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


class StoryActionForm(FlaskForm):
    """Publish and reject buttons: nothing to fill in but the CSRF token."""


def check_buttons(form: FlaskForm) -> None:
    """Forms with nothing to fill in but the CSRF token: a bad token is a 400."""
    if not form.validate_on_submit():
        abort(400)
