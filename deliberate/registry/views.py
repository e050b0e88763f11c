"""The registry's pages: a standard's registry, a version's implementation report, declaring and
re-affirming, a declaration with its questions, a co-op's declarations, feeds, the badge and the
record. Views parse, call one service or query, and render; the services decide who may."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..database import utcnow
from ..errors import InvalidInput
from ..extensions import db
from ..feeds import atom
from ..members import permissions
from ..members import services as members
from ..members.models import Cooperative
from ..members.presenting import person_label
from ..realtime.events import latest_event_id
from ..standards.services import get_standard
from ..versions.queries import get_version
from . import badge, chain, presenting, queries, rules, services

bp = Blueprint("registry", __name__)

_BEGINNING = datetime(2026, 1, 1, tzinfo=timezone.utc)
FEED_LENGTH = 50


def _ratified(slug: str, ref: str):
    standard = get_standard(slug)
    version = get_version(standard, ref)
    if not version.is_ratified:
        abort(404)
    return standard, version


def _visible_coop(slug: str) -> Cooperative:
    coop = members.get_coop(slug)
    if not permissions.can_see_coop(current_user, coop):
        abort(404)
    return coop


def _my_coops() -> list[Cooperative]:
    if not current_user.is_authenticated:
        return []
    return [c for c in current_user.coops if c.status == "member"]


# A standard's registry, a version's report -------------------------------------------------------

@bp.get("/standards/<slug>/registry")
def standard(slug: str):
    since = latest_event_id()  # first: a change committed after this is replayed to the page
    found = get_standard(slug)
    filters = {name: request.args.get(name, "")[:80] for name in queries.FILTERS}
    table = queries.registry_table(found, utcnow(), request.args.get("version") or None, filters)
    mine = {c.id for c in _my_coops()}
    return render_template("registry/standard.html", table=table, standard=found,
                           questions=queries.questions_for_standard(found),
                           stances=rules.STANCES, statuses=rules.STATUSES, states=rules.STATES,
                           can_declare=bool(mine), terms=services.terms_for(found), live_since=since)


@bp.get("/standards/<slug>/v/<ref>/implementation")
def report(slug: str, ref: str):
    found, version = _ratified(slug, ref)
    return render_template("registry/report.html", standard=found, version=version,
                           rows=queries.implementation_report(version, utcnow()), terms=services.terms_for(found))


# Declaring --------------------------------------------------------------------------------------

def _claims_from_form(keys: list[str]) -> dict[str, dict[str, str]]:
    return {key: {"status": request.form.get(f"status-{key}", ""),
                  "justification": request.form.get(f"justification-{key}", ""),
                  "evidence_url": request.form.get(f"evidence-{key}", "")} for key in keys}


@bp.route("/standards/<slug>/v/<ref>/declare", methods=["GET", "POST"])
@login_required
def declare(slug: str, ref: str):
    found, version = _ratified(slug, ref)
    coop = services.acting_coop(current_user, request.values.get("coop") or None)
    services.check_can_declare(current_user, coop, version)
    sections = services.snapshot(db.session, version)
    error = None
    if request.method == "POST":
        try:
            declaration = services.declare(actor=current_user, coop=coop, version=version,
                                           stance=request.form.get("stance", ""),
                                           claims=_claims_from_form([s["key"] for s in sections]),
                                           note=request.form.get("note", ""))
        except InvalidInput as refused:
            error = refused
        else:
            flash(_("%(coop)s's declaration is on the public record.", coop=coop.name), "success")
            return redirect(url_for(".show", declaration_id=declaration.id))
    previous = services.current_declaration(db.session, coop.id, found.id)
    values = request.form if request.method == "POST" else {}
    return render_template("registry/declare.html", standard=found, version=version, coop=coop, sections=sections,
                           coops=_my_coops(), error=error, values=values, previous=previous,
                           stances=rules.STANCES, statuses=rules.STATUSES), (422 if error else 200)


@bp.route("/standards/<slug>/v/<ref>/reaffirm", methods=["GET", "POST"])
@login_required
def reaffirm(slug: str, ref: str):
    found, version = _ratified(slug, ref)
    coop = services.acting_coop(current_user, request.values.get("coop") or None)
    services.check_can_declare(current_user, coop, version)
    previous, _changes = services.reaffirmation(db.session, coop, version)
    view = queries.reaffirm_view(previous, version)
    error = None
    if request.method == "POST":
        try:
            declaration = services.reaffirm(actor=current_user, coop=coop, version=version,
                                            stance=request.form.get("stance") or None,
                                            claims=_claims_from_form([c["key"] for c in view.changes]),
                                            note=request.form.get("note", ""))
        except InvalidInput as refused:
            error = refused
        else:
            flash(_("%(coop)s re-affirmed its declaration for version %(number)s.", coop=coop.name,
                    number=version.number), "success")
            return redirect(url_for(".show", declaration_id=declaration.id))
    values = request.form if request.method == "POST" else {}
    return render_template("registry/reaffirm.html", standard=found, version=version, coop=coop, view=view,
                           coops=_my_coops(), error=error, values=values, stances=rules.STANCES,
                           statuses=rules.STATUSES), (422 if error else 200)


# A declaration and its questions -------------------------------------------------------------------

@bp.get("/declarations/<int:declaration_id>")
def show(declaration_id: int):
    since = latest_event_id()
    found = services.get_declaration(declaration_id)
    view = queries.declaration_view(found, utcnow())
    mine = _my_coops()
    askers = [c for c in mine if c.id != found.coop_id]
    declaring = any(c.id == found.coop_id for c in mine)
    sections = {s["key"]: s for s in services.snapshot(db.session, found.version)}
    newer = queries.ratified_versions(found.standard)
    newer = newer[0] if newer and newer[0].sort_key > found.version.sort_key and view.state != "superseded" else None
    return render_template("registry/show.html", view=view, declaration=found, sections=sections, askers=askers,
                           declaring=declaring, asking_ids={c.id for c in askers}, newer=newer,
                           signer=person_label(found.declared_by, found.coop), live_since=since)


@bp.post("/declarations/<int:declaration_id>/questions")
@login_required
def ask(declaration_id: int):
    found = services.get_declaration(declaration_id)
    coop = services.acting_coop(current_user, request.form.get("coop") or None)
    services.ask_question(actor=current_user, coop=coop, declaration=found, reasons=request.form.get("reasons", ""),
                          section_key=request.form.get("section") or None)
    flash(_("Your question is on the public record. %(coop)s will be asked to answer.", coop=found.coop.name),
          "success")
    return redirect(url_for(".show", declaration_id=found.id, _anchor="questions"))


@bp.post("/questions/<int:question_id>/answer")
@login_required
def answer(question_id: int):
    question = services.get_question(question_id)
    services.answer_question(actor=current_user, question=question, answer=request.form.get("answer", ""))
    flash(_("The answer is on the public record."), "success")
    return redirect(url_for(".show", declaration_id=question.declaration_id, _anchor=f"question-{question.id}"))


@bp.post("/questions/<int:question_id>/escalate")
@login_required
def escalate(question_id: int):
    question = services.get_question(question_id)
    escalated = services.escalate_question(actor=current_user, question=question,
                                           proposed_change=request.form.get("proposed_change", ""))
    flash(_("The question is taken to the formal objection process: formal objection %(id)s is filed.",
            id=escalated.objection_id), "success")
    return redirect(url_for("appeals.show", objection_id=escalated.objection_id))


# A co-op's declarations -----------------------------------------------------------------------------

@bp.get("/coops/<slug>/declarations")
def coop(slug: str):
    found = _visible_coop(slug)
    now = utcnow()
    views = queries.coop_declarations(found, now)
    mine = any(c.id == found.id for c in _my_coops())
    return render_template("registry/coop.html", coop=found, views=views,
                           pending=queries.pending_reaffirmations(found, now) if mine else [],
                           questions=queries.questions_for_coop(found))


# Feeds, badge, record -------------------------------------------------------------------------------

def _tag(specific: str) -> str:
    config = current_app.config
    authority = config.get("FEED_TAG_AUTHORITY") or config.get("SERVER_NAME") or request.host
    return atom.tag_uri(authority.split(":", 1)[0], str(config.get("FEED_TAG_DATE", "2026")), specific)


def _cached(response: Response, max_age: int = 300) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.add_etag()
    return response.make_conditional(request)


def _json_feed(ident: str, title: str, home: str, feed_url: str, views: list[queries.DeclarationView]) -> Response:
    # ident names the Atom feed; a JSON feed is named by its address.
    items = [{"id": _tag(f"declaration/{v.id}"), "url": url_for(".show", declaration_id=v.id, _external=True),
              "title": presenting.summary_line(v), "content_text": v.declaration.note or presenting.summary_line(v),
              "date_published": v.declaration.declared_at.isoformat(),
              "_declaration": presenting.declaration(v)} for v in views]
    body = {"version": "https://jsonfeed.org/version/1.1", "title": title, "home_page_url": home,
            "feed_url": feed_url, "items": items}
    return _cached(Response(json.dumps(body, ensure_ascii=False, sort_keys=True),
                            content_type="application/feed+json; charset=utf-8"))


def _atom_feed(ident: str, title: str, home: str, self_link: str, views: list[queries.DeclarationView]) -> Response:
    entries = [atom.Entry(id=_tag(f"declaration/{v.id}"), title=presenting.summary_line(v),
                          updated=v.declaration.declared_at, published=v.declaration.declared_at,
                          link=url_for(".show", declaration_id=v.id, _external=True), category="declaration",
                          summary=v.declaration.note or presenting.summary_line(v)) for v in views]
    updated = max((v.declaration.declared_at for v in views), default=_BEGINNING)
    feed = atom.Feed(id=_tag(ident), title=title, updated=updated, self_link=self_link, alternate_link=home,
                     author=current_app.config.get("NETWORK_NAME") or "Deliberate", generator="Deliberate",
                     entries=entries)
    response = Response(atom.render(feed), content_type=atom.CONTENT_TYPE)
    response.last_modified = updated
    return _cached(response)


Feed = Callable[[str, str, str, str, list[queries.DeclarationView]], Response]


def _standard_feed(slug: str, feed: Feed) -> Response:
    """A standard's declarations as a feed (JSON or Atom), at the address asked for."""
    found = get_standard(slug)
    return feed(f"standard/{found.id}/declarations", _("Declarations on %(title)s", title=found.title),
                url_for(".standard", slug=found.slug, _external=True),
                url_for(str(request.endpoint), slug=found.slug, _external=True),
                queries.standard_declarations(found, utcnow(), FEED_LENGTH))


def _coop_feed(slug: str, feed: Feed) -> Response:
    """A co-op's declarations as a feed (JSON or Atom), at the address asked for."""
    found = _visible_coop(slug)
    return feed(f"coop/{found.id}/declarations", _("Declarations of %(coop)s", coop=found.name),
                url_for(".coop", slug=found.slug, _external=True),
                url_for(str(request.endpoint), slug=found.slug, _external=True),
                queries.coop_declarations(found, utcnow(), FEED_LENGTH))


@bp.get("/standards/<slug>/registry.json")
def standard_json(slug: str):
    return _standard_feed(slug, _json_feed)


@bp.get("/standards/<slug>/registry.atom")
def standard_atom(slug: str):
    return _standard_feed(slug, _atom_feed)


@bp.get("/coops/<slug>/declarations.json")
def coop_json(slug: str):
    return _coop_feed(slug, _json_feed)


@bp.get("/coops/<slug>/declarations.atom")
def coop_atom(slug: str):
    return _coop_feed(slug, _atom_feed)


@bp.get("/coops/<slug>/badge/<standard_slug>.svg")
def coop_badge(slug: str, standard_slug: str):
    found = _visible_coop(slug)
    standard_found = get_standard(standard_slug)
    view = next((v for v in queries.coop_declarations(found, utcnow())
                 if v.declaration.standard_id == standard_found.id and v.state != "superseded"), None)
    if view is None:
        left, right, state = standard_found.title, _("no declaration"), "none"
    else:
        left = f"{standard_found.title} {view.declaration.version.number}"
        state = "lapsed" if view.state == "lapsed" else view.declaration.stance
        right = presenting.label("lapsed" if view.state == "lapsed" else view.declaration.stance)
    response = Response(badge.svg(left, right, state), content_type="image/svg+xml; charset=utf-8")
    # Embedded on other sites: a stylesheet-free image that scripts cannot run in.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return _cached(response, max_age=3600)


@bp.get("/registry.jsonl")
def record():
    entries = services.entries(db.session)
    response = Response(chain.dumps(entries), mimetype="application/x-ndjson")
    response.set_etag(chain.head(entries))
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response.make_conditional(request)

