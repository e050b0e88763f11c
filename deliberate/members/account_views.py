"""The account page's actions: confirm the password, change it or the email, choose what mail to get,
sign out everywhere, download one's data, erase one's account; and a steward's erasure on request.

Routes live on the ``auth`` blueprint (``members.init_app`` imports this module before the factory
registers the blueprint).
"""
from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from ..database import utcnow
from ..errors import DomainError, PermissionDenied
from ..extensions import db, limiter
from ..forms import show_errors
from ..main.views import is_safe_next
from . import account, erasure, permissions, sessions
from .forms import ChangeEmailForm, ChangePasswordForm, ConfirmPasswordForm, EmptyForm, EraseSelfForm, StewardEraseForm
from .fresh import forget_fresh, fresh_login_required, fresh_minutes, mark_fresh, take_pending_form
from .models import Person
from .views import _login_limit, auth_bp


def _status(_form) -> int:
    return 422 if request.method == "POST" else 200


@auth_bp.route("/account/confirm", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@login_required
def confirm_password():
    """Type the password again before a sensitive change (see members.fresh)."""
    form = ConfirmPasswordForm()
    target = request.args.get("next")
    if form.validate_on_submit():
        try:
            account.check_password(actor=current_user, password=form.password.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            mark_fresh()
            pending = take_pending_form(target) if is_safe_next(target) else None
            if pending is not None:  # finish what the person was doing: the same form, sent again
                return render_template("auth/continue.html", action=target, fields=pending)
            return redirect(target if is_safe_next(target) else url_for("auth.account"))
    return render_template("auth/confirm.html", form=form, minutes=fresh_minutes()), _status(form)


@auth_bp.route("/account/password", methods=["GET", "POST"])
@login_required  # its form asks for the current password: that is the fresh sign-in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            person = account.change_password(actor=current_user, current_password=form.current_password.data,
                                             new_password=form.new_password.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            # Every other session is now signed out; this one continues as a new sign-in.
            login_user(sessions.start_sign_in(person))
            mark_fresh()
            flash(_("Your password is changed. You are signed out on every other device."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), _status(form)


@auth_bp.route("/account/email", methods=["GET", "POST"])
@login_required  # its form asks for the current password: that is the fresh sign-in
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            account.change_email(actor=current_user, password=form.current_password.data, email=form.email.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            mark_fresh()
            flash(_("Your email is changed. Use the new address to sign in."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/email.html", form=form), _status(form)


def mail_section() -> dict:
    """The account page's mail part: the settings form, filled with the person's current choices,
    and whether to link the stewards' view of the outbox."""
    from ..mail.forms import NotificationsForm
    from ..mail.permissions import can_see_outbox
    from ..mail.queries import choices_of

    choices = choices_of(current_user)
    form = NotificationsForm(formdata=None, vote_opened=choices.vote_opened, vote_closing=choices.vote_closing,
                             vote_closed=choices.vote_closed, digest=choices.digest)
    return {"form": form, "can_see_outbox": can_see_outbox(current_user)}


@auth_bp.post("/account/notifications")
@login_required
def save_notifications():
    """Which mails to get: each vote mail on or off, the summary daily, weekly or never."""
    from ..mail.forms import NotificationsForm
    from ..mail.services import save_settings

    form = NotificationsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        save_settings(actor=current_user, vote_opened=form.vote_opened.data, vote_closing=form.vote_closing.data,
                      vote_closed=form.vote_closed.data, digest=form.digest.data or "")
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Your mail settings are saved."), "success")
    return redirect(url_for("auth.account", _anchor="notifications"))


@auth_bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    if not EmptyForm().validate_on_submit():
        abort(400)
    account.sign_out_everywhere(actor=current_user)
    forget_fresh()
    logout_user()
    flash(_("You are signed out on every device, this one included."), "info")
    return redirect(url_for("auth.login"))


@auth_bp.get("/account/export")
@login_required
def export():
    """Everything the platform holds about the signed-in person, as a JSON file download."""
    data = erasure.export_person(actor=current_user)
    stamp = utcnow().strftime("%Y-%m-%d")
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="deliberate-my-data-{stamp}.json"',
        "Cache-Control": "no-store",
    })


@auth_bp.route("/account/erase", methods=["GET", "POST"])
@login_required  # its form asks for the current password: that is the fresh sign-in
def erase():
    form = EraseSelfForm()
    if form.validate_on_submit():
        try:
            erasure.erase_self(actor=current_user, password=form.password.data, comments=form.comments.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            forget_fresh()
            logout_user()
            flash(_("Your account is erased. Thank you for taking part."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/erase.html", form=form, person=current_user), _status(form)


@auth_bp.route("/people/<int:person_id>/erase", methods=["GET", "POST"])
@fresh_login_required
def steward_erase(person_id: int):
    """A steward erases a person who asked for it (through the secretariat or their co-op)."""
    if not permissions.can_erase_people(current_user):
        raise PermissionDenied(_("Only stewards can erase other people's accounts."))
    person = db.session.get(Person, person_id)
    if person is None or person.is_erased:
        abort(404)
    form = StewardEraseForm()
    form.reason.choices = [SelectChoice(key, str(label)) for key, label in erasure.ERASURE_REASONS.items()]
    if form.validate_on_submit():
        try:
            erasure.erase_person(actor=current_user, person_id=person.id, reason=form.reason.data,
                                 comments=form.comments.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The account is erased. The audit log records it without any personal data."), "success")
            return redirect(url_for("coops.index"))
    return render_template("auth/steward_erase.html", form=form, person=person,
                           is_self=person.id == current_user.id), _status(form)
