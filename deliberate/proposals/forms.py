from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .. import limits
from ..forms import DataRequired, IntegerField, Length
from .models import AMENDMENT_KINDS, KIND_LABELS

BODY_HELP = _l("Markdown: a blank line starts a new paragraph; *italic*, **bold**, - lists.")


class AmendmentForm(FlaskForm):
    kind = SelectField(_l("What kind of change?"), choices=[SelectChoice(k, _l(KIND_LABELS[k])) for k in AMENDMENT_KINDS
                                                       if k != "retitle"])
    section = SelectField(_l("Which section?"), choices=[], validate_choice=False)
    # The kind of change for the policy: the section's own kind, or an editorial fix (its own, lighter rule).
    change_kind = SelectField(_l("Does it change what the section means?"), choices=[
        SelectChoice("", _l("Yes, or it may: decided under the section's own rule")),
        SelectChoice("editorial", _l("No, it is an editorial fix (a typo, clearer wording, a broken link): "
                                     "decided under the lighter editorial rule"))], validate_choice=False,
        description=_l("Choose editorial only when the meaning stays exactly the same. Anyone may question it "
                       "during the discussion."))
    name = StringField(_l("A short name for your amendment (optional)"), validators=[Optional(), Length(max=limits.TITLE)],
                       description=_l('For example "Living wage as the floor".'))
    summary = TextAreaField(_l("What changes for co-ops, in plain words"), validators=[DataRequired(), Length(max=limits.AMENDMENT_SUMMARY)],
                            description=_l("One or two sentences that anyone can understand. Shown before the exact changes."))
    proposed_title = StringField(_l("Section title"), validators=[Optional(), Length(max=limits.TITLE)])
    proposed_body = TextAreaField(_l("Proposed text"), validators=[Optional(), Length(max=limits.SECTION_BODY)], description=BODY_HELP)
    target_position = IntegerField(_l("Place in the standard (1 is first)"), validators=[Optional()])
    rationale = TextAreaField(_l("Why? (rationale)"), validators=[Optional(), Length(max=limits.RATIONALE)],
                              description=_l("The reasons and evidence behind the change. Markdown is allowed."))
    coop = SelectField(_l("Proposed on behalf of"), choices=[], validate_choice=False)
    base_revision_id = HiddenField()


class EditAmendmentForm(FlaskForm):
    name = StringField(_l("Short name"), validators=[Optional(), Length(max=limits.TITLE)])
    summary = TextAreaField(_l("What changes for co-ops, in plain words"), validators=[DataRequired(), Length(max=limits.AMENDMENT_SUMMARY)])
    proposed_title = StringField(_l("Section title"), validators=[Optional(), Length(max=limits.TITLE)])
    proposed_body = TextAreaField(_l("Proposed text"), validators=[Optional(), Length(max=limits.SECTION_BODY)], description=BODY_HELP)
    target_position = IntegerField(_l("Place in the standard (1 is first)"), validators=[Optional()])
    rationale = TextAreaField(_l("Why? (rationale)"), validators=[Optional(), Length(max=limits.RATIONALE)])
    coop = SelectField(_l("Acting for"), choices=[], validate_choice=False)
    expected_draft_id = HiddenField()


class ResolveForm(FlaskForm):
    proposed_title = StringField(_l("Section title"), validators=[Optional(), Length(max=limits.TITLE)])
    proposed_body = TextAreaField(_l("Your text, rewritten against the current one"), validators=[Optional(), Length(max=limits.SECTION_BODY)],
                                  description=BODY_HELP)
    note = StringField(_l("What did you change to resolve it?"), validators=[Optional(), Length(max=limits.MESSAGE)])


class CoauthorForm(FlaskForm):
    email = StringField(_l("Co-author's email"), validators=[DataRequired(), Length(max=limits.EMAIL)],
                        description=_l("A delegate of a member co-op. They will be credited and can edit with you."))


class NoteForm(FlaskForm):
    note = StringField(_l("Note (optional, shown publicly)"), validators=[Optional(), Length(max=limits.MESSAGE)])


class GroupForm(FlaskForm):
    title = StringField(_l("Name of the group"), validators=[Optional(), Length(max=limits.TITLE)])
