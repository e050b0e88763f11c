from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .. import limits
from ..forms import DataRequired, Length
from .models import COOP_KINDS

KIND_CHOICES = {"worker": _l("Worker"), "platform": _l("Platform"), "data": _l("Data"), "consumer": _l("Consumer"),
                "multi-stakeholder": _l("Multi-stakeholder"), "other": _l("Other")}


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=limits.EMAIL)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=limits.PASSWORD)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class JoinForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=limits.NAME)],
                       description=_l("Shown next to what you write and the ballots you cast for your co-op."))
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=limits.EMAIL)])
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(), Length(min=10, max=200)],
                             description=_l("At least 10 characters. A few words together make a good password."))


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=limits.EMAIL)])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)],
                             description=_l("At least 10 characters."))


class CoopForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=limits.COOP_NAME)])
    country = StringField(_l("Country code"), validators=[DataRequired(), Length(max=60)],
                          description=_l("Two letters, for example ES, KE or US."))
    kind = SelectField(_l("Kind of co-op"), choices=[SelectChoice(k, KIND_CHOICES[k]) for k in COOP_KINDS])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=limits.WEBSITE)])
    description = TextAreaField(_l("About the co-op"), validators=[Optional(), Length(max=limits.COOP_DESCRIPTION)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Their email (optional)"), validators=[Optional(), Length(max=limits.EMAIL)],
                       description=_l("If given, only this address can use the link."))


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[])
    reason = StringField(_l("Reason (shown publicly)"), validators=[Optional(), Length(max=limits.REASON)])


# Account changes and rights ------------------------------------------------------------------

class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=limits.PASSWORD)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=limits.PASSWORD)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=limits.PASSWORD)],
                                 description=_l("At least 10 characters. Saving signs you out on every other device."))


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email"), validators=[DataRequired(), Length(max=limits.EMAIL)])
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=limits.PASSWORD)])


class EmptyForm(FlaskForm):
    """A button that only needs its CSRF token."""


COMMENT_CHOICES = [
    SelectChoice("anonymise", _l("Keep my comments, without my name (replies stay meaningful)")),
    SelectChoice("remove", _l("Remove my comments' words (each one then reads \"removed at the author's request\")")),
]

THEIR_COMMENT_CHOICES = [
    SelectChoice("anonymise", _l("Keep their comments, without their name")),
    SelectChoice("remove", _l("Remove their comments' words (each one then reads \"removed at the author's request\")")),
]


class EraseSelfForm(FlaskForm):
    comments = RadioField(_l("Your comments"), choices=COMMENT_CHOICES, default="anonymise",
                          validators=[DataRequired()])
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=limits.PASSWORD)],
                             description=_l("To make sure it is you."))
    understood = BooleanField(_l("I understand that this cannot be undone"), validators=[DataRequired()])


class StewardEraseForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=[])
    comments = RadioField(_l("Their comments"), choices=THEIR_COMMENT_CHOICES, default="anonymise", validators=[DataRequired()])
    understood = BooleanField(_l("I have checked this is the person who asked, and this cannot be undone"),
                              validators=[DataRequired()])
