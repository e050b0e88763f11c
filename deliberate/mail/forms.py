"""The notification settings on the account page (the service checks the values)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice

from . import kinds


class NotificationsForm(FlaskForm):
    # The labels are kinds.LABELS (marked with N_ there), translated when shown.
    vote_opened = BooleanField(_l(kinds.LABELS[kinds.VOTE_OPENED]))
    vote_closing = BooleanField(_l(kinds.LABELS[kinds.VOTE_CLOSING]))
    vote_closed = BooleanField(_l(kinds.LABELS[kinds.VOTE_CLOSED]))
    # An unknown value is the service's to refuse (its words, not the form's).
    digest = RadioField(_l(kinds.LABELS[kinds.DIGEST]),
                        choices=[SelectChoice(choice, _l(label)) for choice, label in kinds.DIGEST_LABELS.items()],
                        validate_choice=False)
