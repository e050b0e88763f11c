"""Version pages, downloads, the changelog and comparisons; the stewards' assemble form.

Thin: parse, call one service or query, translate. Everything here is public except
assembling and withdrawing a candidate (stewards)."""
from __future__ import annotations

import json
import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import limits
from ..appeals.queries import objections_on
from ..errors import DomainError, InvalidInput, NotFound
from ..extensions import db
from ..forms import show_errors
from ..i18n import say, translated
from ..realtime.events import latest_event_id
from ..voting.permissions import can_open_votes
from . import (
    exports,
    permissions,
    queries,
    services,
    subjects,
)
from .forms import AssembleForm, WithdrawForm
from .numbering import LEVEL_LABELS
from .pagecache import observer_page

bp = Blueprint("versions", __name__, url_prefix="/standards/<slug>")

_REF = re.compile(r"(\d{1,6}\.\d{1,6}(?:\.\d{1,6})?)(?:\.(md|html|json))?")


def _attempt() -> int | None:
    value = request.args.get("attempt")
    if value is None or value == "":
        return None
    number = limits.parse_id(value)
    if number is None:
        raise InvalidInput(_("“attempt” must be a number."))
    return number


def _version_urls(page: queries.VersionPage) -> dict[str, str]:
    slug, number = page.standard.slug, page.version.number
    extra = {} if page.version.state == "ratified" else {"attempt": page.version.attempt}
    urls = {"page": url_for(".show", slug=slug, ref=number, _external=True, **extra),
            "markdown": url_for(".show", slug=slug, ref=f"{number}.md", _external=True, **extra),
            "html": url_for(".show", slug=slug, ref=f"{number}.html", _external=True, **extra),
            "json": url_for(".show", slug=slug, ref=f"{number}.json", _external=True, **extra),
            "changelog": url_for(".changelog", slug=slug, _external=True)}
    if page.vote is not None and page.vote.state != "open":
        urls["record"] = url_for("votes.record", vote_id=page.vote.id, _external=True)
    return urls


@bp.get("/v/<ref>")
def show(slug: str, ref: str):
    return observer_page(lambda: _show(slug, ref), standard=slug)


def _show(slug: str, ref: str):
    match = _REF.fullmatch(ref)
    number, extension = match.groups() if match else (None, None)
    since = latest_event_id() if extension is None else None  # the page: first, so nothing is missed live
    queries.check_version_number(number)
    standard = queries.get_standard(slug)
    page = queries.version_page(standard, queries.get_version(standard, number, _attempt()))
    urls = _version_urls(page)
    if extension == "md":
        response = Response(exports.markdown(page), mimetype="text/markdown")
        response.headers["Content-Disposition"] = f'inline; filename="{exports.filename(page, "md")}"'
        return response
    if extension == "json":
        body = json.dumps(exports.json_data(page, urls), ensure_ascii=False, indent=2, sort_keys=True)
        response = Response(body + "\n", mimetype="application/json")
        response.headers["Content-Disposition"] = f'inline; filename="{exports.filename(page, "json")}"'
        return response
    citation = say(exports.citation(page, urls["page"]))
    paragraphs = queries.numbered_sections(page.version)
    if extension == "html":
        response = Response(render_template("versions/standalone.html", page=page, citation=citation,
                                            paragraphs=paragraphs, css=exports.STANDALONE_CSS, urls=urls))
        response.headers["Content-Security-Policy"] = exports.STANDALONE_CSP
        response.headers["Content-Disposition"] = f'inline; filename="{exports.filename(page, "html")}"'
        return response
    steward = permissions.can_assemble(current_user)
    return render_template("versions/show.html", page=page, citation=citation, urls=urls, paragraphs=paragraphs,
                           level_labels=translated(LEVEL_LABELS), can_open_vote=can_open_votes(current_user),
                           withdraw_form=WithdrawForm() if steward and page.version.state == "candidate" else None,
                           formal_objections=objections_on("version", page.version.id), live_since=since)


@bp.get("/changelog")
def changelog(slug: str):
    return observer_page(lambda: _changelog(slug), standard=slug)


def _changelog(slug: str) -> str:
    standard = queries.get_standard(slug)
    log = queries.changelog(standard)
    steward = can_open_votes(current_user)
    return render_template("versions/changelog.html", standard=standard, log=log, level_labels=translated(LEVEL_LABELS),
                           can_assemble=permissions.can_assemble(current_user) and log.pending is None,
                           maturity_next=subjects.MATURITY_STEPS.get(standard.maturity) if steward else None,
                           can_open_vote=steward)


@bp.get("/changelog.jsonl")
def changelog_jsonl(slug: str):
    standard = queries.get_standard(slug)
    response = Response(queries.export_changelog(standard), mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = f'attachment; filename="{standard.slug}-changelog.jsonl"'
    return response


@bp.get("/versions/compare")
def compare(slug: str):
    return observer_page(lambda: _compare(slug), standard=slug)


def _compare(slug: str) -> str:
    standard = queries.get_standard(slug)
    comparison = queries.compare(standard, request.args.get("from"), request.args.get("to"))
    return render_template("versions/compare.html", standard=standard, comparison=comparison)


@bp.route("/versions/new", methods=["GET", "POST"])
@login_required
def assemble(slug: str):
    services.check_can_assemble(current_user)
    standard = queries.get_standard(slug)
    form = AssembleForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                version = services.assemble_version(actor=current_user, standard=standard,
                                                    summary=form.summary.data or "", level=form.level.data or None)
            except DomainError as error:
                show_errors(form, error)
                status = error.status
            else:
                flash(_("Version %(number)s is assembled. Open its ratification vote when the co-ops are ready.", number=version.number),
                      "success")
                return redirect(url_for(".show", slug=slug, ref=version.number, attempt=version.attempt))
    plan = services.plan(db.session, standard, form.level.data or None)
    return render_template("versions/new.html", standard=standard, form=form, plan=plan,
                           pending=queries.pending_candidate(standard), level_labels=translated(LEVEL_LABELS)), status


@bp.post("/versions/<int:version_id>/withdraw")
@login_required
def withdraw(slug: str, version_id: int):
    services.check_can_withdraw(current_user)
    standard = queries.get_standard(slug)
    version = queries.get_version_by_id(version_id)
    if version.standard_id != standard.id:
        raise NotFound(_("No such version of this standard."))
    form = WithdrawForm()
    if not form.validate_on_submit():
        raise InvalidInput(_("The form expired or was incomplete. Please send it again."))
    services.withdraw_candidate(actor=current_user, version=version, reason=form.reason.data or "")
    flash(_("Candidate %(number)s is withdrawn.", number=version.number), "success")
    return redirect(url_for(".changelog", slug=slug))
