from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .models import SECTION_KINDS


class StandardForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)],
                        description='For example "Member Data Rights".')
    summary = TextAreaField("What is this standard for?", validators=[Optional(), Length(max=4000)],
                            description="A few sentences in plain words. Markdown is allowed.")


class SectionForm(FlaskForm):
    title = StringField("Section title", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=[SelectChoice(k, k.capitalize()) for k in SECTION_KINDS])
    body = TextAreaField("Text", validators=[Optional(), Length(max=100_000)],
                         description="Markdown: a blank line starts a new paragraph; *italic*, **bold**, - lists.")
    position = IntegerField("Position", validators=[Optional()])


class RevisionForm(FlaskForm):
    title = StringField("Section title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Text", validators=[Optional(), Length(max=100_000)],
                         description="Markdown: a blank line starts a new paragraph; *italic*, **bold**, - lists.")
    message = StringField("What did you change, and why?", validators=[DataRequired(), Length(max=500)],
                          description='For example "Clarify that members own their data".')
    coop = SelectField("Acting for", choices=[], validate_choice=False,
                       description="Your edit is credited to you and to this co-op.")
    base_revision_id = HiddenField()
