"""The staff area's forms. Each one carries the CSRF token; money is typed as 12.50."""
from __future__ import annotations

import re
import secrets

from flask import abort, current_app
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from shop.accounts.models import StaffRole
from shop.catalog.models import ProductKind, StockReason
from shop.catalog.staff import ProductDraft
from shop.content.editing import ArticleDraft, AuthorDraft, CategoryDraft, ReferenceDraft
from shop.errors import FieldRefused
from shop.forms import ShopForm
from shop.money import parse_money
from shop.orders.models import CARRIER_NAMES, Carrier
from shop.orders.shipping import MAX_PARCELS_AT_ONCE, ParcelInvalid, ParcelToShip
from shop.testimonials.video import video_embed
from shop.text import one_line
from shop.web import suggest_slug


class ParcelForm(Form):
    """One parcel: its carrier and tracking number (another carrier: its name and page)."""

    carrier = SelectField("Carrier", choices=[SelectChoice("", "No parcel here")]
                          + [SelectChoice(c.value, CARRIER_NAMES[c]) for c in Carrier], validators=[Optional()])
    tracking_number = StringField("Tracking number", validators=[Optional(), Length(max=80)],
                                  render_kw={"autocomplete": "off", "spellcheck": "false"})
    carrier_name = StringField("Another carrier's name", validators=[Optional(), Length(max=80)])
    tracking_url = StringField("Another carrier's tracking page (https://…, optional)",
                               validators=[Optional(), Length(max=500)], render_kw={"inputmode": "url"})


class ShipForm(ShopForm):
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


class PackForm(ShopForm):
    submit = SubmitField("Mark packed")


class DeliveredForm(ShopForm):
    submit = SubmitField("Mark delivered")


class PolicyForm(ShopForm):
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


class StoryActionForm(ShopForm):
    """Publish and reject buttons: nothing to fill in but the CSRF token."""


def show_at_field(form: ShopForm, refusal: FieldRefused) -> None:
    """Put a service's refusal beside the field it names (or let it be shown as a page)."""
    field = getattr(form, refusal.field, None)
    if field is None:
        raise refusal
    field.errors = [*field.errors, refusal.message]


def check_buttons(form: ShopForm) -> None:
    """Forms with nothing to fill in but the CSRF token: a bad token is a 400."""
    if not form.validate_on_submit():
        abort(400)


# ---------------------------------------------------------------- typed text, checked once

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_PRICE_CENTS = 100_000_000  # 1,000,000.00: far above anything the shop sells


def clean_text(value: str | None) -> str | None:
    """Typed text minus control characters (a NUL byte would break PostgreSQL), with
    Windows line ends made plain and the ends trimmed; templates escape the rest."""
    if value is None:
        return None
    return _CONTROL.sub("", value).replace("\r\n", "\n").strip()


def whole_number(field, text: str, *, signed: bool = False, max_digits: int = 7) -> int | None:
    """A whole number typed in `field` (ASCII digits only), or None with the field's error set."""
    pattern = rf"^[+-]?[0-9]{{1,{max_digits}}}$" if signed else rf"^[0-9]{{1,{max_digits}}}$"
    if not re.match(pattern, text):
        field.errors = [f"Enter a whole number{', such as 12 or -2' if signed else ', such as 12'}."]
        return None
    return int(text)


def money_in(field, *, required: bool) -> int | None:
    """Cents from a price typed as 299, 299.5 or 299.00, or None with the field's error set."""
    text = field.data or ""
    if not text and not required:
        return None
    try:
        cents = parse_money(text, current_app.config["SHOP_CURRENCY"])
    except ValueError:
        field.errors = ["Enter a price such as 299.00 (numbers, with at most two after the point)."]
        return None
    if cents > MAX_PRICE_CENTS:
        field.errors = ["That price is too high. Please check it."]
        return None
    return cents


def text_field(label: str, max_length: int, *, required: str | None = None, **kwargs) -> StringField:
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=f"Please use {max_length:,} characters or fewer."))
    return StringField(label, validators=validators, filters=[one_line, clean_text], **kwargs)


def text_area(label: str, max_length: int, *, required: str | None = None, **kwargs) -> TextAreaField:
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=f"Please use {max_length:,} characters or fewer."))
    return TextAreaField(label, validators=validators, filters=[clean_text], **kwargs)


# ---------------------------------------------------------------- products

class ProductForm(ShopForm):
    """Field names are part of the shop's interface: staff tools and tests post them."""

    name = text_field("Name", 200, required="Please give the product a name.")
    slug = text_field("Web address (the part after /products/; leave empty to make one from the name)", 120,
                      render_kw={"autocomplete": "off", "spellcheck": "false", "aria-describedby": "slug-hint"})
    sku = text_field("SKU (your stock code)", 64, required="Please give the product a SKU.",
                     render_kw={"autocomplete": "off", "spellcheck": "false"})
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.value.capitalize()) for k in ProductKind],
                       validators=[InputRequired(message="Please choose a kind.")])
    summary = text_area("Summary (one or two sentences for lists and search results)", 500, render_kw={"rows": 3})
    description = text_area("Description (Markdown: **bold**, lists with -, links)", 20_000, render_kw={"rows": 14})
    price = StringField("Price, for example 299.00", filters=[clean_text],
                        validators=[DataRequired(message="Please enter a price, for example 299.00."),
                                    Length(max=20, message="That price is too long.")],
                        render_kw={"inputmode": "decimal", "autocomplete": "off"})
    compare_at_price = StringField("Old price, shown crossed out during a sale (optional)", filters=[clean_text],
                                   validators=[Optional(), Length(max=20, message="That price is too long.")],
                                   render_kw={"inputmode": "decimal", "autocomplete": "off"})
    stock = StringField("Stock left to sell (leave empty for digital products, which are not counted)",
                        filters=[clean_text], validators=[Optional(), Length(max=12)],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    # The stock this form showed: a change is applied as a difference, so units that
    # checkouts took while the form was open stay taken.
    stock_was = HiddenField(filters=[clean_text])
    active = BooleanField("On sale: shown in the shop")
    position = StringField("Place in the catalogue (lower numbers first)", filters=[clean_text], default="0",
                           validators=[Optional(), Length(max=12)], render_kw={"inputmode": "numeric"})
    preview = SubmitField("Preview the description")
    submit = SubmitField("Save product")

    draft: ProductDraft | None = None
    stock_seen: int | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        price = money_in(self.price, required=True) if not self.price.errors else None
        compare_at = money_in(self.compare_at_price, required=False) if not self.compare_at_price.errors else None
        if price is not None and compare_at is not None and compare_at <= price:
            self.compare_at_price.errors = ["The old price must be higher than the price."]
        stock = None
        if self.stock.data and not self.stock.errors:
            stock = whole_number(self.stock, self.stock.data)
        elif not self.stock.data and self.kind.data != ProductKind.DIGITAL.value:
            self.stock.errors = ["Please enter how many are left to sell (0 if none). Only digital products are not counted."]
        position = 0
        if self.position.data and not self.position.errors:
            position = whole_number(self.position, self.position.data, max_digits=6)
        self.stock_seen = int(self.stock_was.data) if (self.stock_was.data or "").isascii() and \
            (self.stock_was.data or "").isdigit() and len(self.stock_was.data) <= 9 else None
        slug = self.slug.data or suggest_slug(self.name.data or "")
        if not self.slug.data and self.name.data and not slug:
            self.slug.errors = ["Please type a web address: this name has no letters or numbers to make one from."]
        if any(field.errors for field in self):
            return False
        self.draft = ProductDraft(
            name=self.name.data, slug=slug, sku=self.sku.data, kind=ProductKind(self.kind.data),
            summary=self.summary.data or "", description=self.description.data or "", price_cents=price,
            compare_at_cents=compare_at, stock=stock, active=self.active.data, position=position,
        )
        return valid


class StockForm(ShopForm):
    change = StringField("How many to add (such as 12) or take away (such as -2)", filters=[clean_text],
                         validators=[DataRequired(message="Please enter how many units to add or take away."),
                                     Length(max=12)], render_kw={"inputmode": "numeric", "autocomplete": "off"})
    reason = SelectField("Why", choices=[SelectChoice(StockReason.RECEIVED.value, "Received: a delivery came in"),
                                         SelectChoice(StockReason.DAMAGED.value, "Damaged: units that can't be sold"),
                                         SelectChoice(StockReason.COUNT_CORRECTION.value,
                                                      "Count correction: the shelf was counted")],
                         validators=[InputRequired(message="Please choose why.")])
    note = text_field("Note (optional, for example the delivery number)", 300)
    submit = SubmitField("Change the stock")

    amount: int | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        self.amount = whole_number(self.change, self.change.data, signed=True, max_digits=6)
        return self.amount is not None


class PhotoForm(ShopForm):
    image = FileField("Photo (a JPEG, PNG or WebP, up to 10 MB)",
                      validators=[FileRequired(message="Please choose a photo.")])
    alt = text_field("Describe the photo for people who cannot see it", 300,
                     required="Please describe the photo for people who cannot see it.")
    submit = SubmitField("Add the photo")


class AltTextForm(ShopForm):
    alt = text_field("Description of this photo", 300, required="Please describe the photo for people who cannot see it.")
    submit = SubmitField("Save the description")


class ButtonForm(ShopForm):
    """A button with nothing to fill in but the CSRF token (switch off, move, delete)."""


# ---------------------------------------------------------------- staff accounts

ROLE_CHOICES = [SelectChoice(StaffRole.OWNER.value, "Owner: everything, including refunds and staff accounts"),
                SelectChoice(StaffRole.EDITOR.value, "Editor: products and stories"),
                SelectChoice(StaffRole.FULFILMENT.value, "Fulfilment: orders, shipping and review notes")]


class PasswordForm(ShopForm):
    current_password = PasswordField("Your current password", validators=[
        DataRequired(message="Please type your current password."), Length(max=200)])
    new_password = PasswordField("New password (at least 12 characters; a few words in a row are good)", validators=[
        DataRequired(message="Please type a new password."), Length(max=200)])
    new_password_again = PasswordField("New password again", validators=[
        DataRequired(message="Please type the new password again."),
        EqualTo("new_password", message="The two new passwords are not the same. Please type them again.")])
    submit = SubmitField("Change my password")


class NewStaffForm(ShopForm):
    email = EmailField("Email (they log in with it)", filters=[clean_text], validators=[
        DataRequired(message="Please type their email address."),
        Email(check_deliverability=False, message="That does not look like an email address."), Length(max=320)])
    name = text_field("Name (the staff area greets them by it)", 120, required="Please type their name.")
    role = RadioField("What they may do", choices=ROLE_CHOICES,
                      validators=[InputRequired(message="Please choose what they may do.")])
    password = PasswordField("First password (tell them; they can change it under “Your password”)", validators=[
        DataRequired(message="Please type a first password."), Length(max=200)])
    password_again = PasswordField("First password again", validators=[
        DataRequired(message="Please type the password again."),
        EqualTo("password", message="The two passwords are not the same. Please type them again.")])
    submit = SubmitField("Create the account")


class RoleForm(ShopForm):
    role = SelectField("Role", choices=[SelectChoice(role.value, role.value.capitalize()) for role in StaffRole],
                       validators=[InputRequired()])
    submit = SubmitField("Change role")


# ---------------------------------------------------------------- stories

class StoryEditForm(ShopForm):
    headline = text_field("Headline", 200, required="Please write a headline.")
    display_name = text_field("The person's name, as they agreed it is shown (a first name is fine)", 80,
                              required="Please write the name to show.")
    time_since_stroke = text_field("About them, for example “five years after a stroke”", 80)
    condition = text_field("Their stroke, in their words (optional), for example “left side weakness”", 200)
    quote = text_area("Quote (shown on cards; up to 400 characters)", 400, render_kw={"rows": 3})
    story = text_area("The story (plain text; leave an empty line between paragraphs)", 20_000,
                      required="Please write the story.", render_kw={"rows": 14})
    product = SelectField("Which product it is about", choices=[], validate_choice=True)
    video_url = text_field("Video link (YouTube or Vimeo only; optional)", 500,
                           render_kw={"inputmode": "url", "spellcheck": "false"})
    photo_alt = text_field("Describe the photo for people who cannot see it (needed with a photo)", 300)
    photo = FileField("Photo (a JPEG, PNG or WebP, up to 10 MB; optional)")
    remove_photo = BooleanField("Remove the current photo")
    consent_given_at = DateField("Date consent was given", validators=[Optional()],
                                 render_kw={"autocomplete": "off"})
    consent_scope = text_field("What they agreed to (for example “website and newsletter, first name and photo”)", 300)
    consent_method = text_field("How they gave it (for example “signed form, kept in the office file”)", 300)
    disclosure = text_field("Anything given in return (leave empty if nothing)", 300)
    illustrative = BooleanField("Illustrative: a composite written by us, not one real person (the page says so)")
    featured = BooleanField("Featured on the home page and product pages")
    position = StringField("Place in the list (lower numbers first)", filters=[clean_text], default="0",
                           validators=[Optional(), Length(max=12)], render_kw={"inputmode": "numeric"})
    submit = SubmitField("Save the story")

    position_number: int = 0

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.position.data and not self.position.errors:
            number = whole_number(self.position, self.position.data, max_digits=6)
            self.position_number = number or 0
        if self.video_url.data and not self.video_url.errors and video_embed(self.video_url.data) is None:
            self.video_url.errors = ["Please paste a YouTube or Vimeo link, such as https://www.youtube.com/watch?v=…"]
        has_upload = bool(self.photo.data and getattr(self.photo.data, "filename", ""))
        if has_upload and not self.photo_alt.data:
            self.photo_alt.errors = ["Please describe the photo for people who cannot see it."]
        return valid and not any(field.errors for field in self)


# ---------------------------------------------------------------- the owner's downloads

class SalesExportForm(ShopForm):
    """The owner's sales export: two dates, read from the query string (a download changes nothing)."""

    class Meta:
        csrf = False

    start = DateField("From (the first day)", validators=[InputRequired(message="Please choose the first day.")])
    end = DateField("To (the last day)", validators=[InputRequired(message="Please choose the last day.")])
    submit = SubmitField("Download the sales (CSV)")

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.end.data < self.start.data:
            self.end.errors = ["The last day must be on or after the first day."]
            return False
        if (self.end.data - self.start.data).days > 366:
            self.end.errors = ["Please choose at most a year at a time."]
            return False
        return True


# ---------------------------------------------------------------- articles

def checkboxes(label: str) -> SelectMultipleField:
    """A list of ticks (no script needed), its choices set by the view."""
    return SelectMultipleField(label, coerce=int, choices=[], validate_choice=True, option_widget=CheckboxInput(),
                               widget=ListWidget(prefix_label=False))


class ReferenceForm(Form):
    """One source in the article's numbered list; a row with no title is left out."""

    title = text_field("Title", 400)
    authors = text_field("Authors (such as Kleim JA, Jones TA)", 400)
    source = text_field("Journal or publisher", 200)
    year = text_field("Year", 4, render_kw={"inputmode": "numeric"})
    doi = text_field("DOI (optional, such as 10.1044/1092-4388(2008/018))", 200,
                     render_kw={"autocomplete": "off", "spellcheck": "false"})
    pmid = text_field("PubMed ID (optional)", 12, render_kw={"inputmode": "numeric", "autocomplete": "off"})
    url = text_field("Web address (optional when there is a DOI or PubMed ID)", 1000, render_kw={"inputmode": "url"})


SPARE_REFERENCE_ROWS = 3


class ArticleForm(ShopForm):
    """An article's fields; the body is Markdown with [[product:slug]] cards and [[ref:n]] markers."""

    title = text_field("Title", 200, required="Please give the article a title.")
    slug = text_field("Web address (the part after /articles/; leave empty to make one from the title)", 160,
                      render_kw={"autocomplete": "off", "spellcheck": "false", "aria-describedby": "slug-hint"})
    summary = text_area("Summary (one or two sentences: lists, search results and search engines show it)", 500,
                        required="Please write a short summary.", render_kw={"rows": 3})
    body = text_area("The article, in Markdown", 100_000, required="Please write the article.",
                     render_kw={"rows": 24, "aria-describedby": "body-hint"})
    safety_note = text_area("Safety note above the text (for articles that touch medicines; optional)", 2_000,
                            render_kw={"rows": 3})
    author = SelectField("Written by", coerce=int, choices=[], validate_choice=True)
    reviewer = SelectField("Medically reviewed by", coerce=int, choices=[], validate_choice=True)
    reviewed_on = DateField("Date of the medical review", validators=[Optional()])
    categories = checkboxes("Topics")
    featured_products = checkboxes("Products listed under the article")
    related_articles = checkboxes("Articles to read next")
    references = FieldList(FormField(ReferenceForm), min_entries=SPARE_REFERENCE_ROWS, max_entries=60)
    hero = FileField("Photo above the article (a JPEG, PNG or WebP, up to 10 MB; optional)")
    hero_image_alt = text_field("Describe the photo for people who cannot see it", 300)
    content_updated = BooleanField("Show readers an “Updated” date: the advice itself changed")
    preview = SubmitField("Preview")
    submit = SubmitField("Save the article")

    draft: ArticleDraft | None = None

    def set_choices(self, choices: dict[str, list[tuple[int, str]]], article_id: int | None) -> None:
        self.author.choices = [SelectChoice(i, name) for i, name in choices["authors"]]
        self.reviewer.choices = [SelectChoice(0, "Not reviewed yet")] + self.author.choices
        self.categories.choices = choices["categories"]
        self.featured_products.choices = choices["products"]
        self.related_articles.choices = [(i, title) for i, title in choices["articles"] if i != article_id]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        references = []
        for number, row in enumerate(self.references.entries, start=1):
            fields = row.form
            if not fields.title.data:
                if any(f.data for f in (fields.authors, fields.source, fields.year, fields.doi, fields.pmid, fields.url)):
                    fields.title.errors = [f"Reference {number} needs its title."]
                continue
            year = None
            if fields.year.data:
                if not (fields.year.data.isascii() and fields.year.data.isdigit() and 1800 <= int(fields.year.data) <= 2200):
                    fields.year.errors = ["Enter a year such as 2016."]
                    continue
                year = int(fields.year.data)
            references.append(ReferenceDraft(title=fields.title.data, authors=fields.authors.data or "",
                                             source=fields.source.data or "", year=year, doi=fields.doi.data or "",
                                             pmid=fields.pmid.data or "", url=fields.url.data or ""))
        slug = self.slug.data or suggest_slug(self.title.data or "")
        if not self.slug.data and self.title.data and not slug:
            self.slug.errors = ["Please type a web address: this title has no letters or numbers to make one from."]
        if self.reviewer.data and not self.reviewed_on.data:
            self.reviewed_on.errors = ["Please give the date of the medical review."]
        if any(field.errors for field in self) or any(row.form.errors for row in self.references.entries):
            return False
        self.draft = ArticleDraft(
            title=self.title.data, slug=slug, summary=self.summary.data, body=self.body.data,
            safety_note=self.safety_note.data or "", author_id=self.author.data,
            reviewer_id=self.reviewer.data or None, reviewed_on=self.reviewed_on.data if self.reviewer.data else None,
            hero_image_alt=self.hero_image_alt.data or "", category_ids=self.categories.data or [],
            featured_product_ids=self.featured_products.data or [],
            related_article_ids=self.related_articles.data or [], references=references,
            content_updated=self.content_updated.data,
        )
        return valid


class PublishForm(ShopForm):
    when = RadioField("When should readers see it?", default="now",
                      choices=[SelectChoice("now", "Now"), SelectChoice("later", "At a date and time")],
                      validators=[InputRequired(message="Please choose when.")])
    day = DateField("Day", validators=[Optional()])
    time = TimeField("Time (the shop's time zone)", validators=[Optional()])
    # The editor has seen the warnings and publishes anyway.
    accept_warnings = HiddenField(filters=[clean_text])
    submit = SubmitField("Publish")

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.when.data == "later" and (not self.day.data or not self.time.data):
            self.day.errors = ["Please choose the day and the time."]
            return False
        return True


class AuthorForm(ShopForm):
    name = text_field("Name", 120, required="Please give the author's name.")
    slug = text_field("Web address (the part after /authors/; leave empty to make one from the name)", 120,
                      render_kw={"autocomplete": "off", "spellcheck": "false"})
    credentials = text_field("Credentials (such as Doctor of Physical Therapy)", 200)
    bio = text_area("About them (Markdown)", 5_000, render_kw={"rows": 6})
    photo = FileField("Photo (a JPEG, PNG or WebP, up to 10 MB; optional)")
    photo_alt = text_field("Describe the photo for people who cannot see it", 300)
    submit = SubmitField("Save the author")

    @property
    def draft(self) -> AuthorDraft:
        return AuthorDraft(name=self.name.data, slug=self.slug.data or suggest_slug(self.name.data or ""),
                           credentials=self.credentials.data or "", bio=self.bio.data or "",
                           photo_alt=self.photo_alt.data or "")


class CategoryForm(ShopForm):
    name = text_field("Name", 120, required="Please give the topic a name.")
    slug = text_field("Web address (the part after /articles/category/)", 120,
                      render_kw={"autocomplete": "off", "spellcheck": "false"})
    description = text_area("Description (one or two sentences)", 500, render_kw={"rows": 3})
    position = StringField("Place in the list (lower numbers first)", filters=[clean_text], default="0",
                           validators=[Optional(), Length(max=6)], render_kw={"inputmode": "numeric"})
    submit = SubmitField("Save the topic")

    draft: CategoryDraft | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        position = whole_number(self.position, self.position.data, max_digits=5) if self.position.data else 0
        if not valid or position is None:
            return False
        self.draft = CategoryDraft(name=self.name.data, slug=self.slug.data or suggest_slug(self.name.data or ""),
                                   description=self.description.data or "", position=position)
        return True
