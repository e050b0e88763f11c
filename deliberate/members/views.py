"""Sign-in, invitations, password reset, the account page, and the co-op directory."""
from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from ..appeals.queries import objections_on
from ..caching import no_store
from ..errors import DomainError
from ..extensions import db, limiter
from ..forms import show_errors
from ..i18n import status_label
from ..main.views import is_safe_next
from ..realtime.events import latest_event_id
from ..webhooks.permissions import can_manage_coop_hooks
from . import permissions, queries, services, sessions
from .forms import CoopForm, EmptyForm, ForgotForm, InviteForm, JoinForm, ResetForm, SignInForm, StatusForm
from .fresh import forget_fresh, mark_fresh
from .models import COOP_STATUSES, Cooperative

auth_bp = Blueprint("auth", __name__)
coops_bp = Blueprint("coops", __name__, url_prefix="/coops")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@auth_bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignInForm()
    if form.validate_on_submit():
        person = services.authenticate(email=form.email.data, password=form.password.data)
        if person is None:
            flash(_("That email and password do not match an account. Check them, or reset your password."), "error")
        else:
            login_user(sessions.start_sign_in(person), remember=form.remember.data)
            mark_fresh()
            flash(_("Welcome, %(person)s.", person=person.name), "success")
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/signin.html", form=form), (422 if form.errors or request.method == "POST" else 200)


@auth_bp.post("/signout")
def logout():
    forget_fresh()
    sessions.end_sign_in(current_user if current_user.is_authenticated else None)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@auth_bp.route("/join/<token>", methods=["GET", "POST"])
@no_store  # reached through a single-use link
def join(token: str):
    invitation = services.find_invitation(token)
    form = JoinForm()
    if request.method == "GET" and invitation.email:
        form.email.data = invitation.email
    if current_user.is_authenticated and request.method == "POST":
        services.accept_invitation(token=token, name="", email="", password="", actor=current_user)
        flash(_("You are now a delegate of %(coop)s.", coop=invitation.coop.name), "success")
        return redirect(url_for("auth.account"))
    if not current_user.is_authenticated and form.validate_on_submit():
        try:
            person = services.accept_invitation(token=token, name=form.name.data, email=form.email.data,
                                                password=form.password.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            login_user(sessions.start_sign_in(person))
            mark_fresh()
            flash(_("Welcome! You are now a delegate of %(coop)s.", coop=invitation.coop.name), "success")
            return redirect(url_for("auth.account"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/join.html", form=form, invitation=invitation), status


def _reset_limit() -> str:
    return current_app.config.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour")


def _reset_email_limit() -> str:
    return current_app.config.get("PASSWORD_RESET_EMAIL_RATE_LIMIT", "3 per hour;10 per day")


def _reset_email_key() -> str:
    """Count reset requests per address (hashed: the limiter's storage never holds emails)."""
    email = (request.form.get("email") or "").strip().lower()
    return "reset-email:" + hashlib.sha256(email.encode()).hexdigest()


@auth_bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_email_limit, key_func=_reset_email_key, methods=["POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data,
                                        minutes=current_app.config["PASSWORD_RESET_MINUTES"])
        if current_app.config.get("SMTP_HOST"):
            flash(_("If an account uses that address, we have sent it a link to choose a new password."), "info")
        else:
            flash(_("If an account uses that address, a reset link has been issued. On this installation the link is written to the server log: ask your network's secretariat for it."),  # noqa: E501
                  "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@auth_bp.route("/reset/<token>", methods=["GET", "POST"])
@no_store  # reached through a single-use link
def reset(token: str):
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token=token, password=form.password.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            logout_user()
            flash(_("Your password is changed. Please sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), (422 if request.method == "POST" else 200)


@auth_bp.get("/account")
@login_required
def account():
    from .account_views import mail_section

    return render_template("auth/account.html", person=current_user, signout_form=EmptyForm(), mail=mail_section())


# Co-ops --------------------------------------------------------------------------------------

@coops_bp.get("/")
def index():
    since = latest_event_id()  # first: a change committed after this is replayed to the page
    coops = list(db.session.scalars(queries.visible_coops(current_user).order_by(Cooperative.name)))
    return render_template("coops/index.html", coops=coops, can_register=permissions.can_manage_coops(current_user),
                           live_since=since)


@coops_bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    services.check_can_register_coop(current_user)
    form = CoopForm()
    if form.validate_on_submit():
        try:
            coop = services.register_coop(actor=current_user, name=form.name.data, country=form.country.data,
                                          kind=form.kind.data, description=form.description.data or "",
                                          website=form.website.data or "")
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("%(coop)s is registered as an applicant.", coop=coop.name), "success")
            return redirect(url_for("coops.show", slug=coop.slug))
    return render_template("coops/new.html", form=form), (422 if request.method == "POST" else 200)


def _visible_coop(slug: str) -> Cooperative:
    coop = services.get_coop(slug)
    if not permissions.can_see_coop(current_user, coop):
        abort(404)
    return coop


@coops_bp.get("/<slug>")
def show(slug: str):
    since = latest_event_id()  # first: a change committed after this is replayed to the page
    coop = _visible_coop(slug)
    status_form = StatusForm()
    status_form.status.choices = [SelectChoice(s, status_label(s).capitalize()) for s in COOP_STATUSES
                                  if s in services.COOP_TRANSITIONS[coop.status]]
    delegates = [d.person for d in coop.delegations if d.ended_at is None]
    return render_template("coops/show.html", coop=coop, delegates=delegates, status_form=status_form, live_since=since,
                           formal_objections=objections_on("admission", coop.id),
                           can_manage=permissions.can_manage_coops(current_user),
                           can_manage_webhooks=can_manage_coop_hooks(current_user, coop),
                           can_erase=permissions.can_erase_people(current_user),
                           can_invite=permissions.can_invite_delegate(current_user, coop))


@coops_bp.post("/<slug>/status")
@login_required
def change_status(slug: str):
    coop = _visible_coop(slug)
    services.check_can_change_coop_status(current_user)
    form = StatusForm()
    form.status.choices = [SelectChoice(s, s) for s in COOP_STATUSES]
    if not form.validate_on_submit():
        flash(_("Please choose a status."), "error")
        return redirect(url_for("coops.show", slug=slug))
    services.change_coop_status(actor=current_user, coop=coop, status=form.status.data, reason=form.reason.data or "")
    flash(_("%(coop)s is now %(status)s.", coop=coop.name, status=status_label(form.status.data)), "success")
    return redirect(url_for("coops.show", slug=slug))


@coops_bp.route("/<slug>/invite", methods=["GET", "POST"])
@login_required
@no_store  # shows the new invitation link
def invite(slug: str):
    coop = _visible_coop(slug)
    services.check_can_invite_delegate(current_user, coop)
    form = InviteForm()
    link = None
    if form.validate_on_submit():
        try:
            invitation, token = services.invite_delegate(actor=current_user, coop=coop, email=form.email.data or "",
                                                         days=current_app.config["INVITATION_DAYS"])
        except DomainError as error:
            show_errors(form, error)
        else:
            link = url_for("auth.join", token=token, _external=True)
            return render_template("coops/invite.html", coop=coop, form=InviteForm(formdata=None), link=link,
                                   invitation=invitation)
    return render_template("coops/invite.html", coop=coop, form=form, link=link,
                           invitation=None), (422 if request.method == "POST" else 200)

