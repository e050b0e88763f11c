"""Proxy forms: parsing and CSRF only; the services decide what is allowed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .. import limits
from ..forms import DataRequired, Length

SCOPE_LABELS = {"network": _l("Every vote of the network"), "standard": _l("Every vote on one standard"),
                "vote": _l("One vote only")}


class GiveProxyForm(FlaskForm):
    holder = SelectField(_l("The co-op that will vote for yours"), choices=[], validators=[DataRequired()])
    scope = RadioField(_l("For which votes"), choices=[SelectChoice(k, v) for k, v in SCOPE_LABELS.items()],
                       default="network", validators=[DataRequired()])
    standard = SelectField(_l("The standard (if for one standard)"), choices=[], validators=[Optional()])
    vote = SelectField(_l("The vote (if for one vote)"), choices=[], validators=[Optional()])
    ends_on = DateField(_l("Until (the proxy ends at the start of this day, UTC)"), validators=[DataRequired()])


class ProxyActionForm(FlaskForm):
    """Accept, decline or revoke: a button that only needs its CSRF token."""


class ProxyBallotForm(FlaskForm):
    choice = RadioField(_l("Its vote"), choices=[], validators=[Optional()])
    note = TextAreaField(_l("Mandate (optional)"), validators=[Optional(), Length(max=limits.BALLOT_NOTE)],
                         description=_l("What the co-op asked you to do, or a link to its decision. Do not write anyone's name."))
