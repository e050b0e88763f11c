"""Pages of formal objections: lists, the filing form, one page per objection with its record,
the council's draw, and the forms of each step. Thin: each POST calls one service."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..members.models import Cooperative
from ..realtime.events import latest_event_id
from ..standards import services as standards
from ..voting.subjects import parse_subject
from . import draw, queries, record, services
from .subjects import get_decision_kind

bp = Blueprint("appeals", __name__)


def _form(name: str) -> str:
    value = request.form.get(name, "")
    return value if isinstance(value, str) else ""


def _coop() -> Cooperative | None:
    slug = _form("coop").strip()
    if not slug:
        return None
    coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None:
        raise InvalidInput(_("Choose a co-op."), field_errors={"coop": [_("Choose a co-op.")]})
    return coop


def _back(objection_id: int, done: str, anchor: str = "") -> Any:
    """After a step is recorded: say ``done`` and go back to the objection's page (at ``anchor``)."""
    flash(done, "success")
    return redirect(url_for(".show", objection_id=objection_id, _anchor=anchor or None))


@bp.get("/objections")
def index():
    return render_template("appeals/index.html", objections=queries.list_objections(), standard=None)


@bp.get("/standards/<slug>/objections")
def standard_index(slug: str):
    standard = standards.get_standard(slug)
    return render_template("appeals/index.html", objections=queries.list_objections(standard), standard=standard)


@bp.route("/objections/new", methods=["GET", "POST"])
@login_required
def new():
    services.check_can_file(current_user)
    subject = request.values.get("subject", "")
    kind, ident = parse_subject(subject)
    decision = get_decision_kind(kind).decision(db.session, ident)
    values = {name: _form(name) for name in ("issue", "rationale", "proposed_change", "coop")}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            objection = services.file_objection(actor=current_user, subject_kind=kind, subject_id=ident,
                                                issue=values["issue"], rationale=values["rationale"],
                                                proposed_change=values["proposed_change"], coop=_coop())
        except InvalidInput as error:
            flash(error.message, "error")
            errors, status = error.field_errors, 422
        else:
            return _back(objection.id, _("Your formal objection is filed. Everyone can read it."))
    return render_template("appeals/new.html", decision=decision, subject=f"{kind}:{ident}", values=values,
                           errors=errors, ends=services.window_end(decision),
                           coops=list(getattr(current_user, "acting_coops", []) or [])), status


@bp.get("/objections/<int:objection_id>")
def show(objection_id: int):
    since = latest_event_id()  # first: a step taken after this is replayed to the page
    objection = queries.get_objection(objection_id)
    page = queries.view(objection, current_user)
    return render_template("appeals/show.html", page=page, o=objection, step_label=queries.step_label,
                           live_room=services.room(objection), live_since=since)


@bp.get("/objections/<int:objection_id>/record.jsonl")
def record_file(objection_id: int):
    objection = queries.get_objection(objection_id)
    entries = services.entries(db.session, objection.id)
    response = Response(record.dumps(entries), mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = f'inline; filename="objection-{objection.id}.jsonl"'
    response.set_etag(record.head(entries))
    return response.make_conditional(request)


@bp.get("/objections/<int:objection_id>/draw")
def draw_page(objection_id: int):
    objection = queries.get_objection(objection_id)
    entries = services.entries(db.session, objection.id)
    drawn = next((e for e in entries if e["kind"] == "council_drawn"), None)
    if drawn is None:
        raise NotFound(_("No council has been drawn for this objection yet."))
    payload = drawn["payload"]
    problems = draw.check_draw(payload["seed"], payload["eligible"], payload["order"], payload["witness_head"],
                               payload["record_head"])
    return render_template("appeals/draw.html", o=objection, drawn=drawn, p=payload, problems=problems,
                           council=record.replay(entries).council)


@bp.post("/objections/<int:objection_id>/notes")
@login_required
def mediate(objection_id: int):
    services.add_mediation_note(actor=current_user, objection=queries.get_objection(objection_id), note=_form("note"))
    return _back(objection_id, _("The mediation note is recorded."), "record")


@bp.post("/objections/<int:objection_id>/proposals")
@login_required
def propose(objection_id: int):
    services.put_proposal(actor=current_user, objection=queries.get_objection(objection_id), text=_form("text"))
    return _back(objection_id, _("The mediator's proposal is recorded."), "proposal")


@bp.post("/objections/<int:objection_id>/withdraw")
@login_required
def withdraw(objection_id: int):
    services.withdraw_objection(actor=current_user, objection=queries.get_objection(objection_id), note=_form("note"))
    return _back(objection_id, _("The formal objection is withdrawn."))


@bp.post("/objections/<int:objection_id>/convene")
@login_required
def convene(objection_id: int):
    services.convene_council(actor=current_user, objection=queries.get_objection(objection_id))
    return _back(objection_id, _("The council is drawn."), "council")


@bp.post("/objections/<int:objection_id>/ballots")
@login_required
def ballot(objection_id: int):
    services.cast_council_ballot(actor=current_user, objection=queries.get_objection(objection_id),
                                 question=_form("question"), choice=_form("choice"), reason=_form("reason"),
                                 coop=_coop())
    return _back(objection_id, _("Your co-op's ballot is recorded."), "council")


@bp.post("/objections/<int:objection_id>/dismissals")
@login_required
def dismiss(objection_id: int):
    services.move_dismissal(actor=current_user, objection=queries.get_objection(objection_id), member=_form("member"),
                            reason=_form("reason"), coop=_coop())
    return _back(objection_id, _("Your motion to dismiss is recorded, with your co-op's yes."), "council")


@bp.post("/objections/<int:objection_id>/decisions")
@login_required
def decide(objection_id: int):
    services.draft_decision(actor=current_user, objection=queries.get_objection(objection_id),
                            outcome=_form("outcome"), finding=_form("finding"), reason=_form("reason"), coop=_coop())
    return _back(objection_id, _("The draft decision is recorded, with your co-op's yes."), "council")


@bp.post("/objections/<int:objection_id>/opinions")
@login_required
def opinion(objection_id: int):
    services.write_minority_opinion(actor=current_user, objection=queries.get_objection(objection_id),
                                    text=_form("text"), coop=_coop())
    return _back(objection_id, _("The minority opinion is published."), "opinions")


@bp.post("/objections/<int:objection_id>/revert")
@login_required
def revert(objection_id: int):
    amendment = services.propose_reverting_amendment(actor=current_user,
                                                     objection=queries.get_objection(objection_id))
    flash(_("The reverting amendment is proposed as a draft: open it for discussion when it reads right."), "success")
    return redirect(url_for("amendments.show", slug=amendment.standard.slug, amendment_id=amendment.id))
