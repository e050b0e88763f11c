"""Shared form plumbing: CSRF comes from FlaskForm; services own the real validation."""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from .errors import DomainError, next_step_link


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
