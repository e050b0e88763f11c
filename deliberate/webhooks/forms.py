"""Webhook forms: CSRF and the shape of the input; the services do the real validation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import limits
from ..forms import Length
from .signing import EVENT_TYPES, MAX_URL_LENGTH

EVENT_LABELS = {
    "vote.opened": _l("A vote opened"),
    "vote.closed": _l("A vote closed (with its result)"),
    "version.ratified": _l("A new version of a standard was ratified"),
}


class WebhookForm(FlaskForm):
    owner = SelectField(_l("For"), choices=[], description=_l("Whose webhook this is: who can see and change it."))
    url = StringField(_l("Address (URL)"), validators=[Length(max=MAX_URL_LENGTH)],
                      description=_l("Where we send the events, for example https://example.org/deliberate-hook."))
    events = SelectMultipleField(_l("Events"), choices=[SelectChoice(name, EVENT_LABELS[name]) for name in EVENT_TYPES],
                                 option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
                                 validate_choice=False)
    description = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=limits.WEBHOOK_DESCRIPTION)],
                              description=_l("What the webhook is for, so that others in your co-op know."))


class ActionForm(FlaskForm):
    """Buttons that change a webhook (turn off, ping, delete): only the CSRF token."""
