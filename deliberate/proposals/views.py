"""Amendment pages: propose, read the change, refine, open, withdraw, resolve, compare, trace."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import limits
from ..appeals.queries import objections_on
from ..discussions.queries import RECENT, thread_view
from ..errors import DomainError, InvalidInput
from ..forms import form_id, show_errors
from ..i18n import translated
from ..members.models import Cooperative
from ..members.services import find_coop
from ..policies.presenting import basis
from ..realtime.events import latest_event_id
from ..standards import services as standards
from ..translatable import N_
from . import adoption, last_call, permissions, queries, services
from .forms import AmendmentForm, CoauthorForm, EditAmendmentForm, GroupForm, NoteForm, ResolveForm
from .phases import PHASE_HELP, PHASE_LABELS, STEP_LABELS
from .states import ACTION_LABELS, STATE_HELP

bp = Blueprint("amendments", __name__, url_prefix="/standards/<slug>")


def _person():
    return current_user if current_user.is_authenticated else None


def _coop_choices(form_field) -> None:
    form_field.choices = [SelectChoice(str(c.id), c.name) for c in current_user.acting_coops]
    if current_user.is_steward and not current_user.acting_coops:
        form_field.choices.append(SelectChoice("", _("No co-op (as steward)")))


def _chosen_coop(value: str | None) -> Cooperative | None:
    if not value:
        return None
    coop = find_coop(value)
    if coop is None:
        raise InvalidInput(_("Choose a co-op from the list."))
    return coop


@bp.get("/amendments")
def index(slug: str):
    since = latest_event_id()  # first: a change committed after this is replayed to the page
    standard = standards.get_standard(slug)
    amendments = queries.list_amendments(standard, _person())
    return render_template("amendments/index.html", standard=standard, amendments=amendments, live_since=since,
                           phases={a.id: last_call.view(a).phase for a in amendments},
                           phase_labels=translated(PHASE_LABELS),
                           groups=queries.competing_groups(standard, _person()),
                           can_propose=permissions.can_propose(_person()), can_group=permissions.can_group(_person()))


@bp.route("/amendments/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    standard = standards.get_standard(slug)
    services.check_can_propose(current_user)
    form = AmendmentForm()
    form.section.choices = [SelectChoice(s.key, f"{s.position}. {s.title}") for s in standard.sections]
    _coop_choices(form.coop)
    status = 200
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "modify")
        form.change_kind.data = "editorial" if request.args.get("change_kind") == "editorial" else ""
        key = request.args.get("section")
        section = next((s for s in standard.sections if s.key == key), None)
        if section is not None:
            form.section.data = section.key
            form.proposed_title.data, form.proposed_body.data = section.title, section.body
            form.base_revision_id.data = str(section.head_revision_id)
            form.target_position.data = section.position
    elif form.validate_on_submit():
        section = next((s for s in standard.sections if s.key == form.section.data), None)
        try:
            base = form_id(form.base_revision_id.data, required=False)
            amendment = services.propose_amendment(
                actor=current_user, standard=standard, kind=form.kind.data, section=section, summary=form.summary.data,
                rationale=form.rationale.data or "", proposed_title=form.proposed_title.data or "",
                proposed_body=form.proposed_body.data or "", target_position=form.target_position.data,
                base_revision_id=base, name=form.name.data or "", coop=_chosen_coop(form.coop.data),
                change_kind=form.change_kind.data or None)
        except DomainError as error:
            show_errors(form, error)
            status = error.status
        except ValueError:
            flash(_("The form was incomplete. Please try again."), "error")
            status = 422
        else:
            flash(_("Your amendment is saved as a draft. Read it over, then open it for discussion."), "success")
            return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment.id))
    else:
        status = 422
    return render_template("amendments/new.html", standard=standard, form=form), status


@bp.get("/amendments/<int:amendment_id>")
def show(slug: str, amendment_id: int):
    since = latest_event_id()  # first: a change committed after this is replayed to the page
    standard = standards.get_standard(slug)
    amendment = queries.get_amendment(standard, amendment_id, _person())
    drafts = queries.drafts(amendment)
    shown = amendment.head
    if request.args.get("draft"):
        number = _int_arg("draft", None)
        shown = next((d for d in drafts if d.number == number), shown)
    person = _person()
    return render_template(
        "amendments/show.html", standard=standard, amendment=amendment, draft=shown, drafts=drafts, live_since=since,
        formal_objections=objections_on("amendment", amendment.id),
        change=queries.amendment_change(amendment, shown), timeline=queries.timeline(amendment),
        group=queries.group_view(amendment.group, person) if amendment.group_id else None, votes=queries.votes_on(amendment),
        view=request.args.get("view", "inline"), state_help=translated(STATE_HELP),
        action_labels=translated({**ACTION_LABELS, "propose": N_("proposed"), "last_call": N_("last call started"),
                                  "end_last_call": N_("last call ended by a change to the text")}),
        rebased=[d for d in drafts if d.reason == "rebased"],
        can_edit=permissions.can_edit(person, amendment), can_open=permissions.can_open(person, amendment),
        can_withdraw=permissions.can_withdraw(person, amendment),
        can_resolve=permissions.can_resolve(person, amendment),
        can_add_coauthor=permissions.can_add_coauthor(person, amendment),
        can_adopt=_may_adopt_directly(person, amendment), can_put_to_vote=permissions.can_put_to_vote(person, amendment),
        coauthor_form=CoauthorForm(), note_form=NoteForm(), thread=thread_view("amendment", amendment.id, person, recent=RECENT),
        basis=basis(services.current_terms(amendment)), process=last_call.process(amendment, person),
        phase_labels=translated(PHASE_LABELS), phase_help=translated(PHASE_HELP), step_labels=translated(STEP_LABELS))


def _may_adopt_directly(person, amendment) -> bool:
    return permissions.can_adopt_directly(person, amendment, services.current_terms(amendment)["steward_may_adopt"])


@bp.route("/amendments/<int:amendment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, amendment_id: int):
    standard = standards.get_standard(slug)
    amendment = queries.get_amendment(standard, amendment_id, current_user)
    services.check_can_edit(current_user, amendment)
    form = EditAmendmentForm()
    _coop_choices(form.coop)
    status = 200
    if request.method == "GET":
        head = amendment.head
        form.name.data, form.summary.data, form.rationale.data = amendment.title, amendment.summary, amendment.rationale
        form.proposed_title.data, form.proposed_body.data = head.proposed_title, head.proposed_body
        form.target_position.data, form.expected_draft_id.data = head.target_position, str(head.id)
    elif form.validate_on_submit():
        try:
            services.edit_amendment(
                actor=current_user, amendment=amendment, expected_draft_id=form_id(form.expected_draft_id.data),
                summary=form.summary.data, rationale=form.rationale.data or "",
                proposed_title=form.proposed_title.data or "", proposed_body=form.proposed_body.data or "",
                target_position=form.target_position.data, name=form.name.data or "",
                coop=_chosen_coop(form.coop.data))
        except DomainError as error:
            show_errors(form, error)
            status = error.status
        except ValueError:
            flash(_("The form was incomplete. Please try again."), "error")
            status = 422
        else:
            flash(_("Saved. The previous wording is kept in the amendment's history."), "success")
            return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment.id))
    else:
        status = 422
    return render_template("amendments/edit.html", standard=standard, amendment=amendment, form=form), status


def _action(slug: str, amendment_id: int, act, done: str):
    standard = standards.get_standard(slug)
    amendment = queries.get_amendment(standard, amendment_id, current_user)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(_("The note is too long."), "error")
    else:
        act(amendment, form.note.data or "")
        flash(done, "success")
    return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment_id))


@bp.post("/amendments/<int:amendment_id>/open")
@login_required
def open_(slug: str, amendment_id: int):
    return _action(slug, amendment_id, lambda a, note: services.open_amendment(actor=current_user, amendment=a),
                   _("The amendment is open for discussion. Everyone can now read it."))


@bp.post("/amendments/<int:amendment_id>/last-call")
@login_required
def start_last_call(slug: str, amendment_id: int):
    return _action(slug, amendment_id,
                   lambda a, note: last_call.start_last_call(actor=current_user, amendment=a),
                   _("The last call has started: every member co-op has been told."))


@bp.post("/amendments/<int:amendment_id>/withdraw")
@login_required
def withdraw(slug: str, amendment_id: int):
    return _action(slug, amendment_id,
                   lambda a, note: services.withdraw_amendment(actor=current_user, amendment=a, note=note),
                   _("The amendment is withdrawn."))


@bp.post("/amendments/<int:amendment_id>/adopt")
@login_required
def adopt(slug: str, amendment_id: int):
    return _action(slug, amendment_id,
                   lambda a, note: adoption.adopt_directly(actor=current_user, amendment=a, note=note),
                   _("The amendment is adopted: the section has a new revision."))


@bp.post("/amendments/<int:amendment_id>/coauthors")
@login_required
def add_coauthor(slug: str, amendment_id: int):
    standard = standards.get_standard(slug)
    amendment = queries.get_amendment(standard, amendment_id, current_user)
    form = CoauthorForm()
    if form.validate_on_submit():
        coauthor = services.add_coauthor(actor=current_user, amendment=amendment, email=form.email.data)
        flash(_("%(person)s is now a co-author.", person=coauthor.person.name), "success")
    else:
        flash(_("Give the co-author's email."), "error")
    return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment_id))


@bp.route("/amendments/<int:amendment_id>/resolve", methods=["GET", "POST"])
@login_required
def resolve(slug: str, amendment_id: int):
    standard = standards.get_standard(slug)
    amendment = queries.get_amendment(standard, amendment_id, current_user)
    services.check_can_resolve(current_user, amendment)
    form = ResolveForm()
    view = queries.three_way_view(amendment)
    status = 200
    if request.method == "GET":
        form.proposed_title.data = view.ours.proposed_title
        form.proposed_body.data = view.ours.proposed_body
    elif form.validate_on_submit():
        try:
            services.resolve_conflict(actor=current_user, amendment=amendment, proposed_title=form.proposed_title.data or "",
                                      proposed_body=form.proposed_body.data or "", note=form.note.data or "")
        except DomainError as error:
            show_errors(form, error)
            status = error.status
        else:
            flash(_("Resolved: the amendment now builds on the current text."), "success")
            return redirect(url_for("amendments.show", slug=slug, amendment_id=amendment_id))
    else:
        status = 422
    return render_template("amendments/resolve.html", standard=standard, amendment=amendment, form=form,
                           three=view), status


@bp.route("/amendments/group", methods=["GET", "POST"])
@login_required
def group(slug: str):
    standard = standards.get_standard(slug)
    services.check_can_group(current_user)
    candidates = [a for a in queries.list_amendments(standard, current_user)
                  if a.state in ("open", "conflicted") and not a.is_private and a.group_id is None and a.section_id]
    form = GroupForm()
    status = 200
    if form.validate_on_submit():
        try:
            chosen = {form_id(i) for i in request.form.getlist("amendments")}
            created = services.group_competing(actor=current_user, title=form.title.data or "",
                                               amendments=[a for a in candidates if a.id in chosen])
        except DomainError as error:
            show_errors(form, error)
            status = error.status
        except ValueError:
            flash(_("The form was incomplete. Please try again."), "error")
            status = 422
        else:
            flash(_("Grouped %(count)s competing amendments: they will be decided together.", count=len(chosen)), "success")
            return redirect(url_for("amendments.index", slug=slug, _anchor=f"group-{created.id}"))
    return render_template("amendments/group.html", standard=standard, form=form, candidates=candidates), status


# Comparison and provenance -----------------------------------------------------------------

@bp.get("/s/<key>/compare")
def compare_revisions(slug: str, key: str):
    standard = standards.get_standard(slug)
    section = standards.get_section(standard, key)
    revisions = queries.revisions_of(section)
    numbers = [r.number for r in revisions]
    old_n = _int_arg("from", numbers[-2] if len(numbers) > 1 else numbers[-1])
    new_n = _int_arg("to", numbers[-1])
    old = standards.get_revision(section, old_n)
    new = standards.get_revision(section, new_n)
    change = queries.change_view(old.title, old.body, new.title, new.body)
    return render_template("amendments/compare_section.html", standard=standard, section=section, old=old, new=new,
                           change=change, revisions=revisions, view=request.args.get("view", "inline"))


@bp.get("/s/<key>/blame")
def blame(slug: str, key: str):
    standard = standards.get_standard(slug)
    section = standards.get_section(standard, key)
    number = _int_arg("r", None)
    revision, passages = queries.provenance(section, number)
    return render_template("amendments/blame.html", standard=standard, section=section, revision=revision,
                           passages=passages, revisions=queries.revisions_of(section))


@bp.get("/compare")
def compare_standard(slug: str):
    standard = standards.get_standard(slug)
    old, new = _moment_arg("from"), _moment_arg("to")
    if old is None:
        old = standard.created_at
    entries = queries.compare_standard(standard, old, new)
    return render_template("amendments/compare_standard.html", standard=standard, entries=entries,
                           old=old, new=new, raw_from=request.args.get("from", ""), raw_to=request.args.get("to", ""))


def _int_arg(name: str, default):
    value = request.args.get(name)
    if value is None or value == "":
        return default
    number = limits.parse_id(value)
    if number is None:
        raise InvalidInput(_("“%(name)s” must be a revision number.", name=name))
    return number


def _moment_arg(name: str) -> datetime | None:
    value = (request.args.get(name) or "").strip()
    if not value or value == "now":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("“%(value)s” is not a date. Use the form 2026-11-26 or 2026-11-26T14:30.", value=value)) from None
    if len(value) == 10:  # a bare date means the end of that day
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
