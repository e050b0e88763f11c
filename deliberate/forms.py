"""Shared form plumbing: CSRF comes from FlaskForm; services own the real validation."""
from __future__ import annotations

import re

from flask import flash
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import IntegerField as _WTFormsIntegerField
from wtforms import validators
from wtforms.validators import StopValidation, ValidationError

from . import limits
from .errors import DomainError, next_step_link

# WTForms' own messages read like a programmer's ("Field must be between 10 and 200 characters
# long."): the forms use these validators instead, which say it plainly and count for the person.

class Length(validators.Length):
    """Text length, said plainly: "Write at least 10 characters (you wrote 4)."""

    def __call__(self, form, field):
        length = len(field.data or "")
        if length >= self.min and (self.max == -1 or length <= self.max):
            return
        if self.message is not None:
            raise ValidationError(self.message)
        if self.max != -1 and length > self.max:
            message = ngettext("Write at most %(num)d character: this has %(length)d.",
                               "Write at most %(num)d characters: this has %(length)d.", self.max, length=length)
        else:
            message = ngettext("Write at least %(num)d character: this has %(length)d.",
                               "Write at least %(num)d characters: this has %(length)d.", self.min, length=length)
        raise ValidationError(message)


class DataRequired(validators.DataRequired):
    """A field that must be filled in: "Please fill this in."""

    def __call__(self, form, field):
        if field.data and (not isinstance(field.data, str) or field.data.strip()):
            return
        field.errors[:] = []
        raise StopValidation(self.message or gettext("Please fill this in."))


class NumberRange(validators.NumberRange):
    """A number within bounds, said plainly."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError:
            if self.message is not None:
                raise
            low, high = self._resolve(self.min), self._resolve(self.max)
            if high is None:
                raise ValidationError(gettext("Give a number of %(min)s or more.", min=low)) from None
            if low is None:
                raise ValidationError(gettext("Give a number of %(max)s or less.", max=high)) from None
            raise ValidationError(gettext("Give a number from %(min)s to %(max)s.", min=low, max=high)) from None


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal on the form: a summary message, and each field's own errors."""
    flash(error.message, "error")
    link = next_step_link(error.next_step)
    if link:  # what to do instead, as a link under the message
        flash(Markup('<a class="button small" href="{}">{}</a>').format(link["url"], escape(link["label"])), "next-step")
    for name, messages in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)


_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


class IntegerField(_WTFormsIntegerField):
    """A whole number typed in ASCII digits. WTForms' own reads with ``int()``, which also takes
    "١٢", "１２", "1_2" as 12: here those are "not a whole number", like any other text."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip(" ") if isinstance(valuelist[0], str) else ""
        if raw == "":
            self.data = None
            return
        if not _WHOLE_NUMBER.fullmatch(raw):
            self.data = None
            raise ValueError(_l("Give a whole number, in digits 0 to 9."))
        self.data = int(raw)


def form_id(value: object, *, required: bool = True) -> int | None:
    """The id a hidden field or a query parameter carries (``limits.parse_id``). Empty gives None,
    or ValueError when ``required``; anything that is not a plain id gives ValueError, which views
    answer with "The form was incomplete" (a person never types these)."""
    if value is None or value == "":
        if required:
            raise ValueError("an id is required")
        return None
    number = limits.parse_id(value)
    if number is None:
        raise ValueError(f"not an id: {value!r}")
    return number
