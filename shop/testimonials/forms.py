from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from shop.forms import ShopForm

STORY_CONSENT_TEXT = (
    "I agree that Steady Hand Rehab may publish my story with the name I gave above, after "
    "their team has read it and checked the wording with me by email."
)


class StoryForm(ShopForm):
    class Meta:
        csrf = False  # a shopper form: checked by where it comes from (shop/same_origin.py)

    name = StringField(
        "Your name, as you would like it shown (a first name is fine)",
        validators=[DataRequired(message="Please tell us what name to show."), Length(max=80, message="Please use 80 letters or fewer.")],
    )
    email = EmailField(
        "Your email address (never shown; we use it to check your story with you)",
        validators=[
            DataRequired(message="Please type your email address."),
            Email(check_deliverability=False, message="That does not look like an email address. Please check it."),
            Length(max=320),
        ],
        render_kw={"autocomplete": "email"},
    )
    product = SelectField("Which product is your story about?", choices=[], validate_choice=True)
    time_since_stroke = StringField(
        "How long ago was the stroke? (optional)", validators=[Optional(), Length(max=80, message="Please keep this short.")]
    )
    story = TextAreaField(
        "Your story",
        validators=[
            DataRequired(message="Please write your story."),
            Length(min=40, max=5000, message="Please write between 40 and 5,000 letters."),
        ],
        render_kw={"aria-describedby": "story-hint", "rows": 12},
    )
    consent = BooleanField(STORY_CONSENT_TEXT, validators=[DataRequired(message="Please tick the box so we may publish your story.")])
    website = StringField("Leave this box empty", validators=[Optional(), Length(max=200)])  # honeypot for bots
    submit = SubmitField("Send my story")
