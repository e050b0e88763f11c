"""Shared form plumbing: CSRF comes from FlaskForm; services own the real validation."""
from __future__ import annotations

import re

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField as _WTFormsIntegerField

from . import limits
from .errors import DomainError


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal on the form: a summary message, and each field's own errors."""
    flash(error.message, "error")
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
