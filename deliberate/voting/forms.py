"""Vote forms: parsing and CSRF only; the services decide what is allowed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .. import limits
from ..forms import DataRequired, IntegerField, Length, NumberRange
from .rules import BASES, METHODS, PRESET_LABELS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
METHOD_LABELS = {"majority": _l("Majority"), "supermajority": _l("Supermajority"), "consent": _l("Consent"),
                 "ranked": _l("Ranked choice")}
class OpenVoteForm(FlaskForm):
    subject = StringField(_l("What is decided"), validators=[DataRequired(), Length(max=60)])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=limits.VOTE_TITLE)],
                        description=_l("Leave empty to use the usual title."))
    rule_preset = SelectField(_l("Rule"), choices=[SelectChoice(name, _l(label)) for name, label in PRESET_LABELS.items()]
                              + [SelectChoice("custom", _l("Set the rule in full (below)"))])
    opens_at = DateTimeLocalField(_l("Opens at (UTC)"), format=DATETIME_FORMATS, validators=[Optional()],
                                  description=_l("Leave empty to open now."))
    closes_at = DateTimeLocalField(_l("Closes at (UTC)"), format=DATETIME_FORMATS, validators=[DataRequired()])
    secret = BooleanField(_l("Secret ballot: show only totals and turnout, never who voted what"))
    # A check box shows its label only: the label says it, as the service refuses the combination.
    live_totals = BooleanField(_l("Show running totals while the vote is open (not with a secret ballot: they would show how each co-op voted)"))
    quorum = StringField(_l("Quorum (share of member co-ops)"), validators=[Optional(), Length(max=10)],
                         description=_l("A fraction such as 1/2 or 3/5. Leave empty to keep the preset's."))
    second_call_quorum = StringField(_l("Second-call quorum"), validators=[Optional(), Length(max=10)],
                                     description=_l(
                                         "If only the quorum fails, call the vote once more with this lower quorum, such as 1/3. Leave empty for no second call."))  # noqa: E501 (one message for the catalogue)
    method = SelectField(_l("Method (for a rule set in full)"),
                         choices=[SelectChoice("", _l("Keep the preset's"))] + [SelectChoice(m, METHOD_LABELS[m]) for m in METHODS],
                         validators=[Optional()])
    threshold = StringField(_l("Threshold (supermajority only)"), validators=[Optional(), Length(max=10)],
                            description=_l("A fraction such as 2/3 or 3/4; 1 means unanimity."))
    quorum_count = IntegerField(_l("Quorum as a number of co-ops"), validators=[Optional(), NumberRange(min=1, max=100_000)])
    threshold_basis = SelectField(_l("Count the threshold against"),
                                  choices=[SelectChoice("", _l("Keep the preset's"))]
                                  + [SelectChoice(b, _l("votes cast (for and against)") if b == "cast" else _l("the whole electorate"))
                                     for b in BASES], validators=[Optional()])


# In a secret vote the record carries no mandate note (it could name the co-op) and objections
# are published without the co-op's name: the form says so instead of the public wording.
SECRET_NOTE_HELP = _l(
    "In a secret vote the mandate is not written into the ballot record: it is kept with your co-op's ballot and shown only to your co-op's delegates. Do not write anyone's name.")  # noqa: E501 (one message for the catalogue)
SECRET_ARGUMENT_HELP = _l(
    "Needed for an objection. Say what harm it would do and what would resolve it. It is published in the ballot record without your co-op's name and can never be changed: do not write your co-op's name or anyone else's.")  # noqa: E501 (one message for the catalogue)


class BallotForm(FlaskForm):
    coop = SelectField(_l("Voting for"), choices=[], validators=[Optional()])
    choice = RadioField(_l("Your co-op's vote"), choices=[], validators=[Optional()])
    abstain = BooleanField(_l("Abstain (rank nothing)"))
    note = TextAreaField(_l("Mandate (optional)"), validators=[Optional(), Length(max=limits.BALLOT_NOTE)],
                         description=_l(
                             "A note or a link to your co-op's own decision on this, such as the minutes of your general assembly. It is published in the ballot record, which can never be changed: do not write anyone's name."))  # noqa: E501 (one message for the catalogue)
    passage = TextAreaField(_l("The passage it concerns (optional)"), validators=[Optional(), Length(max=limits.PASSAGE)])
    argument = TextAreaField(_l("Why your co-op objects"), validators=[Optional(), Length(max=limits.ARGUMENT)],
                             description=_l(
                                 "Needed for an objection. Say what harm it would do and what would resolve it. It is published in the ballot record, which can never be changed: do not write anyone's name."))  # noqa: E501 (one message for the catalogue)
    paramount = BooleanField(_l("We consider this objection paramount: adopting this would go against our principles or harm our members"))


class ConcernForm(FlaskForm):
    # Shown on the vote page below the ballot form, whose fields have the same names: ids of their own
    # (the names the server reads stay the same).
    coop = SelectField(_l("For"), choices=[], validators=[Optional()], id="concern-coop")
    passage = TextAreaField(_l("The passage it concerns (optional)"), validators=[Optional(), Length(max=limits.PASSAGE)],
                            id="concern-passage")
    argument = TextAreaField(_l("Your concern"), validators=[Optional(), Length(max=limits.ARGUMENT)],
                             description=_l("Concerns do not block the decision; they are kept for its next review."),
                             id="concern-argument")


class WithdrawForm(FlaskForm):
    note = StringField(_l("Why (optional)"), validators=[Optional(), Length(max=limits.VOTE_NOTE)])


class ResolveForm(FlaskForm):
    outcome = RadioField(_l("How it ended"), choices=[SelectChoice("resolved", _l("Resolved: it no longer blocks")),
                                                  SelectChoice("upheld", _l("Upheld: it stands and blocks"))],
                         default="resolved")
    amendment_id = IntegerField(_l("Resolved by amendment number"), validators=[Optional(), NumberRange(min=1)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=limits.VOTE_NOTE)])


class CloseForm(FlaskForm):
    pass


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason (shown publicly)"), validators=[Optional(), Length(max=limits.VOTE_NOTE)])


class StatementForm(FlaskForm):
    text = TextAreaField(_l("Outcome statement"), validators=[Optional(), Length(max=limits.STATEMENT)],
                         description=_l("What the network makes of this result, for the vote page and the changelog."))
    review_date = DateField(_l("Review date (optional)"), validators=[Optional()])
