"""Discussion forms: CSRF and field plumbing; the services do the real checking."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from .models import BODY_LIMIT, QUOTE_LIMIT, REASON_LIMIT, TITLE_LIMIT


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), render_kw={"rows": 5, "maxlength": BODY_LIMIT},
                         description=_l("You can use Markdown: *emphasis*, **bold**, [links](https://example.org), lists."))
    quote = TextAreaField(_l("Quoted passage (optional)"), validators=[Optional()],
                          render_kw={"rows": 2, "maxlength": QUOTE_LIMIT},
                          description=_l("Paste the words you are responding to, or select them in the text and press “Quote in a comment”."))
    coop = SelectField(_l("Speaking for"), validate_choice=False)
    parent_id = HiddenField()
    thread_id = HiddenField()
    anchor = HiddenField()
    client_id = HiddenField()
    next = HiddenField()


class ThreadForm(CommentForm):
    title = StringField(_l("Topic"), render_kw={"maxlength": TITLE_LIMIT})


class EditCommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), render_kw={"rows": 8, "maxlength": BODY_LIMIT},
                         description=_l("The earlier wording stays in the comment's history."))


class HideCommentForm(FlaskForm):
    reason = StringField(_l("Reason, shown to everyone"), render_kw={"maxlength": REASON_LIMIT},
                         description=_l("For example: “Personal attack” or “Shares someone's private details”."))


class ConfirmForm(FlaskForm):
    """A button with CSRF protection and nothing else."""
