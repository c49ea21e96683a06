from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from shop.forms import ShopForm


class LoginForm(ShopForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")
