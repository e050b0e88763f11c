from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .models import COOP_KINDS


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in on this device")


class JoinForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)],
                       description="Shown next to what you write and the ballots you cast for your co-op.")
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Choose a password", validators=[DataRequired(), Length(min=10, max=200)],
                             description="At least 10 characters. A few words together make a good password.")


class ForgotForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=10, max=200)],
                             description="At least 10 characters.")


class CoopForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    country = StringField("Country code", validators=[DataRequired(), Length(max=60)],
                          description="Two letters, for example ES, KE or US.")
    kind = SelectField("Kind of co-op", choices=[SelectChoice(k, k.replace("-", " ").capitalize()) for k in COOP_KINDS])
    website = StringField("Website", validators=[Optional(), Length(max=300)])
    description = TextAreaField("About the co-op", validators=[Optional(), Length(max=2000)])


class InviteForm(FlaskForm):
    email = EmailField("Their email (optional)", validators=[Optional(), Length(max=254)],
                       description="If given, only this address can use the link.")


class StatusForm(FlaskForm):
    status = SelectField("New status", choices=[])
    reason = StringField("Reason (shown publicly)", validators=[Optional(), Length(max=500)])
