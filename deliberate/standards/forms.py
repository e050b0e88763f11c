from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .. import limits
from ..forms import DataRequired, IntegerField, Length
from .models import SECTION_KINDS

KIND_CHOICES = {"principle": _l("Principle"), "guidance": _l("Guidance"), "editorial": _l("Editorial")}


class StandardForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=limits.TITLE)],
                        description=_l('For example "Member Data Rights".'))
    summary = TextAreaField(_l("What is this standard for?"), validators=[Optional(), Length(max=limits.SUMMARY)],
                            description=_l("A few sentences in plain words. Markdown is allowed."))


class SectionForm(FlaskForm):
    title = StringField(_l("Section title"), validators=[DataRequired(), Length(max=limits.TITLE)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_CHOICES[k]) for k in SECTION_KINDS])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=limits.SECTION_BODY)],
                         description=_l("Markdown: a blank line starts a new paragraph; *italic*, **bold**, - lists."))
    position = IntegerField(_l("Position"), validators=[Optional()])


class RevisionForm(FlaskForm):
    title = StringField(_l("Section title"), validators=[DataRequired(), Length(max=limits.TITLE)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=limits.SECTION_BODY)],
                         description=_l("Markdown: a blank line starts a new paragraph; *italic*, **bold**, - lists."))
    message = StringField(_l("What did you change, and why?"), validators=[DataRequired(), Length(max=limits.MESSAGE)],
                          description=_l('For example "Clarify that members own their data".'))
    coop = SelectField(_l("Acting for"), choices=[], validate_choice=False,
                       description=_l("Your edit is credited to you and to this co-op."))
    base_revision_id = HiddenField()
