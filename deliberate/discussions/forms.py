"""Discussion forms: CSRF and field plumbing; the services do the real checking."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from .models import BODY_LIMIT, QUOTE_LIMIT, REASON_LIMIT, TITLE_LIMIT


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment", render_kw={"rows": 5, "maxlength": BODY_LIMIT},
                         description="You can use Markdown: *emphasis*, **bold**, [links](https://example.org), lists.")
    quote = TextAreaField("Quoted passage (optional)", validators=[Optional()],
                          render_kw={"rows": 2, "maxlength": QUOTE_LIMIT},
                          description="Paste the words you are responding to, or select them in the text and "
                                      "press “Quote in a comment”.")
    coop = SelectField("Speaking for", validate_choice=False)
    parent_id = HiddenField()
    thread_id = HiddenField()
    anchor = HiddenField()
    client_id = HiddenField()
    next = HiddenField()


class ThreadForm(CommentForm):
    title = StringField("Topic", render_kw={"maxlength": TITLE_LIMIT})


class EditCommentForm(FlaskForm):
    body = TextAreaField("Your comment", render_kw={"rows": 8, "maxlength": BODY_LIMIT},
                         description="The earlier wording stays in the comment's history.")


class HideCommentForm(FlaskForm):
    reason = StringField("Reason, shown to everyone", render_kw={"maxlength": REASON_LIMIT},
                         description="For example: “Personal attack” or “Shares someone's private details”.")


class ConfirmForm(FlaskForm):
    """A button with CSRF protection and nothing else."""
