"""Version forms: parsing and CSRF only; the services decide what is allowed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .. import limits
from ..forms import Length

LEVEL_CHOICES = [
    SelectChoice("", _l("As the changes call for (recommended)")),
    SelectChoice("major", _l("Major: a principle was added or removed")),
    SelectChoice("minor", _l("Minor: wording, titles or order changed")),
    SelectChoice("patch", _l("Patch: typo fixes and editorial changes only")),
]


class AssembleForm(FlaskForm):
    summary = TextAreaField(_l("What this version changes, in plain words"), validators=[Length(max=limits.SUMMARY)],
                            description=_l("Shown in the changelog and to the co-ops when they vote on it."))
    level = SelectField(_l("Kind of version"), choices=LEVEL_CHOICES, validators=[Optional()],
                        description=_l("The number follows from what changed; choose only to override it."))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why is the candidate withdrawn?"), validators=[Length(max=limits.VERSION_NOTE)])
