"""The notification settings on the account page (the service checks the values)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice

from . import kinds


class NotificationsForm(FlaskForm):
    vote_opened = BooleanField(_l("When a vote opens for your co-op"))
    vote_closing = BooleanField(_l("When a vote closes within a day and your co-op has not voted yet"))
    vote_closed = BooleanField(_l("When a vote your co-op could take part in has closed, with its result"))
    # The choices are shown translated; an unknown value is the service's to refuse.
    digest = RadioField(_l("A summary of what needs your co-op's vote, votes closing soon, results and new versions "
                           "of the standards you follow"),
                        choices=[SelectChoice(choice, _l(label)) for choice, label in kinds.DIGEST_LABELS.items()],
                        validate_choice=False)
