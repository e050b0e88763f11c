"""Shared form plumbing: CSRF comes from FlaskForm; services own the real validation."""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from .errors import DomainError


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal on the form: a summary message, and each field's own errors."""
    flash(error.message, "error")
    for name, messages in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)
