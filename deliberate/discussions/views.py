"""Discussion pages and forms: post, reply, start a topic, edit, hide, show again, history.

Everything works without JavaScript: a form posts, the service decides, and the browser returns
to the comment on the page it came from. discussions.js sends the same intentions over the
socket when it can.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..database import id_of
from ..errors import Conflict, InvalidInput, PermissionDenied
from ..extensions import limiter
from ..forms import show_errors
from ..main.views import is_safe_next
from ..members.models import Cooperative
from ..members.services import find_coop
from . import queries, services
from .forms import CommentForm, ConfirmForm, EditCommentForm, HideCommentForm, ThreadForm
from .subjects import Subject, load_subject

bp = Blueprint("discussions", __name__, url_prefix="/discussions")


def _person():
    return current_user if current_user.is_authenticated else None


# Subjects whose own page shows their discussion (its recent conversations: queries.RECENT).
PAGES_WITH_DISCUSSION = ("standard", "section", "amendment")


def page_url(subject: Subject, comment_id: int | None = None, next_url: str | None = None) -> str:
    """Where a subject's discussion is read: its own page, at the comment (or the discussion)."""
    anchor = f"comment-{comment_id}" if comment_id else "discussion"
    target = subject.target
    if next_url and is_safe_next(next_url):
        return f"{next_url.split('#', 1)[0]}#{anchor}"
    if subject.kind == "standard":
        return url_for("standards.show", slug=target.slug, _anchor=anchor)
    if subject.kind == "section":
        return url_for("standards.section", slug=target.standard.slug, key=target.key, _anchor=anchor)
    if subject.kind == "amendment":
        return url_for("amendments.show", slug=target.standard.slug, amendment_id=target.id, _anchor=anchor)
    return url_for("discussions.subject", kind=subject.kind, subject_id=subject.id, _anchor=anchor)


def _coop_field(form: CommentForm) -> None:
    form.coop.choices = [SelectChoice(value, label) for value, label in queries.coop_choices(_person())]


def _chosen_coop(value: str | None) -> Cooperative | None:
    if not value:
        return None
    coop = find_coop(value)
    if coop is None:
        raise InvalidInput(_("Choose a co-op from the list."), field_errors={"coop": [_("Choose a co-op.")]})
    return coop


def _anchor(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        anchor = json.loads(value) if len(value) <= 2000 else None
    except ValueError:
        anchor = None
    if not isinstance(anchor, dict):
        raise InvalidInput(_("The quoted place is not understood; quote the passage again."))
    return anchor


def _compose(form: CommentForm, subject: Subject, *, parent=None, status: int = 200, topic: bool = False):
    return render_template("discussions/compose.html", form=form, subject=subject, parent=parent, topic=topic,
                           back=page_url(subject, parent.view.id if parent else None, form.next.data)), status


@bp.get("/<kind>/<int:subject_id>")
def subject(kind: str, subject_id: int):
    """A subject's discussion on a page of its own (votes link here; any subject works)."""
    thread = queries.thread_view(kind, subject_id, _person())
    back = None if kind == "vote" else page_url(thread.subject).split("#", 1)[0]
    # The quoted text is not on this page: quotes link to their paragraph on the subject's page.
    return render_template("discussions/subject.html", thread=thread, back=back, text_url=back or "")


def _comment_limit() -> str:
    return current_app.config.get("COMMENT_RATE_LIMIT", "20 per minute;200 per hour")


def _per_person() -> str:
    return f"person:{current_user.id}" if current_user.is_authenticated else (request.remote_addr or "")


# Posting is limited per person (sockets have their own limit: deliberate/realtime/ratelimit.py).
comment_limit = limiter.shared_limit(_comment_limit, scope="comments", key_func=_per_person, methods=["POST"])


@bp.post("/<kind>/<int:subject_id>/comments")
@login_required
@comment_limit
def comments(kind: str, subject_id: int):
    subject = load_subject(kind, subject_id)
    form = CommentForm()
    _coop_field(form)
    if not form.validate_on_submit():
        return _compose(form, subject, status=400)
    # Where the comment will be read, worked out before the service's commit expires the subject.
    back = page_url(subject, None, form.next.data).split("#", 1)[0]
    try:
        comment = services.post_comment(
            actor=current_user, subject_kind=subject.kind, subject_id=subject.id, body=form.body.data,
            parent_id=form.parent_id.data or None, quote=form.quote.data, anchor=_anchor(form.anchor.data),
            client_id=form.client_id.data or None, coop=_chosen_coop(form.coop.data),
            thread_id=form.thread_id.data or None)
    except (InvalidInput, Conflict) as error:
        show_errors(form, error)
        return _compose(form, subject, status=error.status)
    flash(_("Your comment is posted."), "success")
    return redirect(f"{back}#comment-{id_of(comment)}")  # id_of: the commit expired it


@bp.post("/<kind>/<int:subject_id>/threads")
@login_required
@comment_limit
def threads(kind: str, subject_id: int):
    subject = load_subject(kind, subject_id)
    form = ThreadForm()
    _coop_field(form)
    if not form.validate_on_submit():
        return _compose(form, subject, status=400, topic=True)
    try:
        comment = services.start_thread(
            actor=current_user, subject_kind=subject.kind, subject_id=subject.id, title=form.title.data,
            body=form.body.data, quote=form.quote.data, anchor=_anchor(form.anchor.data),
            client_id=form.client_id.data or None, coop=_chosen_coop(form.coop.data))
    except (InvalidInput, Conflict) as error:
        show_errors(form, error)
        return _compose(form, subject, status=error.status, topic=True)
    flash(_("Your topic is started."), "success")
    return redirect(page_url(subject, comment.id, form.next.data))


@bp.get("/comments/<int:comment_id>")
def permalink(comment_id: int):
    page = queries.comment_page(comment_id, _person())
    if page.subject.kind in PAGES_WITH_DISCUSSION and not queries.shown_on_subject_page(page.subject, comment_id):
        # An older conversation than the subject's page shows: the whole discussion has it.
        return redirect(url_for("discussions.subject", kind=page.subject.kind, subject_id=page.subject.id,
                                _anchor=f"comment-{comment_id}"))
    return redirect(page_url(page.subject, comment_id))


@bp.get("/comments/<int:comment_id>/reply")
@login_required
def reply(comment_id: int):
    page = queries.comment_page(comment_id, current_user)
    services.check_can_comment(current_user, page.subject)
    form = CommentForm(parent_id=str(comment_id), client_id=queries.new_client_id())
    _coop_field(form)
    return _compose(form, page.subject, parent=page)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
@comment_limit
def edit(comment_id: int):
    page = queries.comment_page(comment_id, current_user)
    form = EditCommentForm()
    status = 200
    if request.method == "GET":
        services.check_can_edit_comment(current_user, page.comment, page.subject)
        form.body.data = page.comment.body
    elif form.validate_on_submit():
        try:
            services.edit_comment(actor=current_user, comment_id=comment_id, body=form.body.data)
        except (InvalidInput, Conflict) as error:
            show_errors(form, error)
            status = error.status
        else:
            flash(_("Saved. The earlier wording is kept in the comment's history."), "success")
            return redirect(page_url(page.subject, comment_id))
    else:
        status = 400
    return render_template("discussions/edit.html", page=page, form=form,
                           back=page_url(page.subject, comment_id)), status


@bp.route("/comments/<int:comment_id>/hide", methods=["GET", "POST"])
@login_required
def hide(comment_id: int):
    page = queries.comment_page(comment_id, current_user)
    form = HideCommentForm()
    status = 200
    if request.method == "GET":
        if not page.view.can_hide:
            raise PermissionDenied(_("Only stewards can hide comments, and this one may be hidden already."))
    elif form.validate_on_submit():
        try:
            services.hide_comment(actor=current_user, comment_id=comment_id, reason=form.reason.data)
        except (InvalidInput, Conflict) as error:
            show_errors(form, error)
            status = error.status
        else:
            flash(_("The comment is hidden; everyone sees your reason in its place."), "success")
            return redirect(page_url(page.subject, comment_id))
    else:
        status = 400
    return render_template("discussions/hide.html", page=page, form=form,
                           back=page_url(page.subject, comment_id)), status


@bp.post("/comments/<int:comment_id>/unhide")
@login_required
def unhide(comment_id: int):
    page = queries.comment_page(comment_id, current_user)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    else:
        try:
            services.unhide_comment(actor=current_user, comment_id=comment_id)
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(_("The comment is shown again."), "success")
    return redirect(page_url(page.subject, comment_id))


@bp.get("/comments/<int:comment_id>/history")
def history(comment_id: int):
    page = queries.comment_page(comment_id, _person())
    return render_template("discussions/history.html", page=page, back=page_url(page.subject, comment_id))

