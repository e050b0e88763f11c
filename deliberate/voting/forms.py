"""Vote forms: parsing and CSRF only; the services decide what is allowed."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .rules import BASES, METHODS, PRESET_LABELS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class OpenVoteForm(FlaskForm):
    subject = StringField("What is decided", validators=[DataRequired(), Length(max=60)])
    title = StringField("Title", validators=[Optional(), Length(max=300)],
                        description="Leave empty to use the usual title.")
    rule_preset = SelectField("Rule", choices=[SelectChoice(name, label) for name, label in PRESET_LABELS.items()]
                              + [SelectChoice("custom", "Set the rule in full (below)")])
    opens_at = DateTimeLocalField("Opens at (UTC)", format=DATETIME_FORMATS, validators=[Optional()],
                                  description="Leave empty to open now.")
    closes_at = DateTimeLocalField("Closes at (UTC)", format=DATETIME_FORMATS, validators=[DataRequired()])
    secret = BooleanField("Secret ballot: show only totals and turnout, never who voted what")
    live_totals = BooleanField("Show running totals while the vote is open")
    quorum = StringField("Quorum (share of member co-ops)", validators=[Optional(), Length(max=10)],
                         description="A fraction such as 1/2 or 3/5. Leave empty to keep the preset's.")
    second_call_quorum = StringField("Second-call quorum", validators=[Optional(), Length(max=10)],
                                     description="If only the quorum fails, call the vote once more with this lower "
                                                 "quorum, such as 1/3. Leave empty for no second call.")
    method = SelectField("Method (for a rule set in full)",
                         choices=[SelectChoice("", "Keep the preset's")] + [SelectChoice(m, m.capitalize()) for m in METHODS],
                         validators=[Optional()])
    threshold = StringField("Threshold (supermajority only)", validators=[Optional(), Length(max=10)],
                            description="A fraction such as 2/3 or 3/4; 1 means unanimity.")
    quorum_count = IntegerField("Quorum as a number of co-ops", validators=[Optional(), NumberRange(min=1, max=100_000)])
    threshold_basis = SelectField("Count the threshold against",
                                  choices=[SelectChoice("", "Keep the preset's")]
                                  + [SelectChoice(b, "votes cast (for and against)" if b == "cast" else "the whole electorate")
                                     for b in BASES], validators=[Optional()])


class BallotForm(FlaskForm):
    coop = SelectField("Voting for", choices=[], validators=[Optional()])
    choice = RadioField("Your co-op's vote", choices=[], validators=[Optional()])
    abstain = BooleanField("Abstain (rank nothing)")
    note = TextAreaField("Mandate (optional)", validators=[Optional(), Length(max=2000)],
                         description="A note or a link to your co-op's own decision on this, such as the minutes "
                                     "of your general assembly.")
    passage = TextAreaField("The passage it concerns (optional)", validators=[Optional(), Length(max=2000)])
    argument = TextAreaField("Why your co-op objects", validators=[Optional(), Length(max=5000)],
                             description="Needed for an objection. Say what harm it would do and what would resolve it.")
    paramount = BooleanField("We consider this objection paramount: adopting this would go against our principles "
                             "or harm our members")


class ConcernForm(FlaskForm):
    coop = SelectField("For", choices=[], validators=[Optional()])
    passage = TextAreaField("The passage it concerns (optional)", validators=[Optional(), Length(max=2000)])
    argument = TextAreaField("Your concern", validators=[Optional(), Length(max=5000)],
                             description="Concerns do not block the decision; they are kept for its next review.")


class WithdrawForm(FlaskForm):
    note = StringField("Why (optional)", validators=[Optional(), Length(max=1000)])


class ResolveForm(FlaskForm):
    outcome = RadioField("How it ended", choices=[SelectChoice("resolved", "Resolved: it no longer blocks"),
                                                  SelectChoice("upheld", "Upheld: it stands and blocks")],
                         default="resolved")
    amendment_id = IntegerField("Resolved by amendment number", validators=[Optional(), NumberRange(min=1)])
    note = StringField("Note", validators=[Optional(), Length(max=1000)])


class CloseForm(FlaskForm):
    pass


class CancelForm(FlaskForm):
    reason = StringField("Reason (shown publicly)", validators=[Optional(), Length(max=1000)])


class StatementForm(FlaskForm):
    text = TextAreaField("Outcome statement", validators=[Optional(), Length(max=10000)],
                         description="What the network makes of this result, for the vote page and the changelog.")
    review_date = DateField("Review date (optional)", validators=[Optional()])
