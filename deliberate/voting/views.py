"""Vote pages: the list, a vote with its ballot form and result, the record download, and the
stewards' forms. Thin: parse, call one service, translate; the page's figures are computed here
once and passed to the templates, which never query, tally or check permissions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from ..database import utcnow
from ..errors import DomainError, InvalidInput, NotFound, PermissionDenied
from ..forms import show_errors
from ..i18n import translated
from ..members.models import Cooperative
from ..members.services import find_coop
from ..realtime.events import latest_event_id
from . import charts, closing, ledger, objections, permissions, queries, services
from .forms import (
    SECRET_ARGUMENT_HELP,
    SECRET_NOTE_HELP,
    BallotForm,
    CancelForm,
    CloseForm,
    ConcernForm,
    OpenVoteForm,
    ResolveForm,
    StatementForm,
    WithdrawForm,
)
from .models import CHOICE_LABELS, Ballot, Vote
from .rules import CHOICES, PRESET_LABELS, PRESETS, STATUS_QUO
from .subjects import get_handler, parse_subject

bp = Blueprint("votes", __name__, url_prefix="/votes")


def _subject(vote: Vote) -> tuple[Any, str | None, str]:
    """(subject or None, its URL or None, what kind of question it is)."""
    handler = get_handler(vote.subject_kind)
    try:
        subject = handler.load(vote.subject_id)
    except NotFound:
        return None, None, handler.label
    endpoint, values = handler.link(subject)
    return subject, url_for(endpoint, **values), handler.label


@bp.get("/")
def index():
    since = latest_event_id()  # first: a vote opened or closed after this is replayed to the page
    listing = queries.list_votes()
    shown = listing["open"] + listing["closed"] + listing["cancelled"]
    return render_template("votes/index.html", listing=listing, turnouts=queries.turnouts(listing["open"]),
                           live_rooms=queries.list_rooms(), live_since=since,
                           subjects={v.id: _subject(v) for v in shown},
                           waiting=queries.waiting_for(current_user),
                           can_open=permissions.can_open_votes(current_user),
                           admissible=queries.admissible_coops() if permissions.can_open_votes(current_user) else [])


# Opening -------------------------------------------------------------------------------------

def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=timezone.utc) if moment is not None else None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    services.check_can_open_vote(current_user)
    form = OpenVoteForm()
    status = 200
    subject = handler = None
    if request.method == "GET":
        form.subject.data = request.args.get("subject", "")
        form.closes_at.data = (utcnow() + timedelta(days=14)).replace(tzinfo=None, second=0, microsecond=0)
    try:
        if form.subject.data:
            kind, subject_id = parse_subject(form.subject.data)
            handler = get_handler(kind)
            subject = handler.load(subject_id)
            if request.method == "GET":
                handler.check_can_open(subject)  # say now, not after the form is filled in
                form.rule_preset.data = handler.rule_preset(subject)
                days = (handler.terms(subject) or {}).get("voting_days")
                if isinstance(days, int) and days > 0:  # the policy's voting period for this kind
                    form.closes_at.data = (utcnow() + timedelta(days=days)).replace(tzinfo=None, second=0,
                                                                                     microsecond=0)
    except DomainError as error:
        show_errors(form, error)
        status = error.status if request.method == "POST" else 200
        subject = handler = None
    if request.method == "POST":
        status = 422
        if subject is not None and form.validate_on_submit():
            overrides = {"quorum": form.quorum.data, "method": form.method.data, "threshold": form.threshold.data,
                         "quorum_count": form.quorum_count.data, "threshold_basis": form.threshold_basis.data}
            try:
                vote = services.open_vote(
                    actor=current_user, subject_kind=handler.kind, subject_id=subject.id,
                    rule_preset=form.rule_preset.data, rule=overrides,
                    opens_at=_utc(form.opens_at.data), closes_at=_utc(form.closes_at.data),
                    secret=form.secret.data, live_totals=form.live_totals.data,
                    second_call_quorum=form.second_call_quorum.data or None, title=form.title.data or None)
            except DomainError as error:
                show_errors(form, error)
                status = error.status
            else:
                flash(_("The vote is open. Member co-ops can now vote."), "success")
                return redirect(url_for(".show", vote_id=vote.id))
    preview = None
    if subject is not None:
        endpoint, values = handler.link(subject)
        frozen = handler.frozen_text(subject)
        preview = {"label": handler.label, "title": handler.title(subject), "parts": handler.readable_text(frozen),
                   "hash": ledger.hash_text(frozen), "url": url_for(endpoint, **values)}
    return render_template("votes/new.html", form=form, preview=preview, presets=PRESETS, labels=translated(PRESET_LABELS),
                           choices=queries.subject_choices() if preview is None else []), status


# The vote page -------------------------------------------------------------------------------

def _ranking_text(vote: Vote, ranking: list[str] | None) -> str:
    if not ranking:
        return _("Abstained (ranked nothing)")
    labels = {**vote.alternative_labels, STATUS_QUO: _("The status quo")}
    return " › ".join(labels.get(item, item) for item in ranking)


def _options(vote: Vote) -> list[tuple[str, str]]:
    return [(ident, label) for ident, label in vote.alternatives or []] + [(STATUS_QUO, _("Keep the text as it is (the status quo)"))]


def _shown(form_class: type[Any]) -> Any:
    """An empty form for the page. Observers are shown none of the vote page's forms (each needs a
    signed-in delegate or steward), so theirs carry no CSRF token: making one would start a session,
    and the page would set a cookie that keeps every later page of theirs out of shared caches
    (deliberate/caching.py). Had one of these forms been shown to an observer anyway, its post would
    be refused for the missing token."""
    if current_user.is_authenticated:
        return form_class(formdata=None)
    return form_class(formdata=None, meta={"csrf": False})


def _ballot_form(vote: Vote, mine: list, form: BallotForm | None = None) -> BallotForm:
    form = form or _shown(BallotForm)
    form.coop.choices = [SelectChoice(str(m.coop_id), m.coop.name) for m in mine if m.coop.status == "member"]
    form.choice.choices = [SelectChoice(c, _(CHOICE_LABELS[c])) for c in CHOICES[vote.method]]
    if vote.secret:
        form.note.description, form.argument.description = SECRET_NOTE_HELP, SECRET_ARGUMENT_HELP
    return form


def _chart(page: queries.VotePage) -> Markup | None:
    if page.rows is None:
        return None
    vote = page.vote
    title = (_("The result of vote %(id)s", id=vote.id) if page.closed
             else _("Running totals of vote %(id)s", id=vote.id))
    return charts.bar_chart(page.rows, title=title, description=charts.describe_rows(page.rows),
                            chart_id=f"vote-{vote.id}-chart")


def _prefill(page: queries.VotePage, form: BallotForm, ranks: dict[str, str] | None) -> dict[str, str]:
    """A delegate of one co-op sees its current ballot in the form, ready to be changed."""
    current = page.my_ballots[0].ballot if len(page.my_ballots) == 1 else None
    if current is not None:
        form.choice.data, form.note.data = current.choice, current.note
    if ranks is None:
        ranks = {ident: str(i + 1) for i, ident in enumerate(current.ranking or [])} if current is not None else {}
    return ranks


# Where each of the page's forms sits: a form sent back with errors is shown at the vote's own
# address (base.html's page-address, layout.js), and a GET of the form's address leads there too.
FORM_ANCHORS = {"ballot": "ballot", "concern": "concerns", "close": "manage", "cancel": "manage", "statement": "statement",
                "resolve": "objections"}


def _render_vote(vote: Vote, *, status: int = 200, forms: dict[str, Any] | None = None,
                 ranks: dict[str, str] | None = None, live_since: int | None = None):
    forms = forms or {}
    live_since = latest_event_id() if live_since is None else live_since
    anchor = next((FORM_ANCHORS[name] for name in forms if name in FORM_ANCHORS), None)
    every_ballot = queries.ballots(vote)  # the page's and its proxies' part's, read once
    page = queries.vote_page(vote, current_user, utcnow(), every_ballot)
    ballot_form = _ballot_form(vote, [mine.member for mine in page.my_ballots], forms.get("ballot"))
    if "ballot" not in forms:
        ranks = _prefill(page, ballot_form, ranks)
    subject, subject_url, subject_label = _subject(vote)
    return render_template(
        "votes/show.html", page=page, vote=vote, subject=subject, subject_url=subject_url,
        subject_label=subject_label, chart=_chart(page), choice_labels=translated(CHOICE_LABELS),
        ranking_text=_ranking_text, ballot_form=ballot_form, ranks=ranks or {}, options=_options(vote),
        concern_form=forms.get("concern") or _shown(ConcernForm),
        close_form=forms.get("close") or _shown(CloseForm), cancel_form=forms.get("cancel") or _shown(CancelForm),
        statement_form=forms.get("statement") or _statement_form(vote),
        resolve_form=forms.get("resolve") or _shown(ResolveForm), resolve_for=forms.get("resolve_for"),
        withdraw_form=_shown(WithdrawForm), live_since=live_since, proxy_section=_proxy_section(vote, page, every_ballot),
        page_address=url_for(".show", vote_id=vote.id, _anchor=anchor) if anchor else None,
    ), status


def _proxy_section(vote: Vote, page: queries.VotePage, every_ballot: list[Ballot]) -> Any:
    from ..proxies.queries import vote_section  # proxies builds on voting, not the reverse

    # The electorate and the ballots the page has read already: not read twice.
    return vote_section(vote, current_user, utcnow(), electorate=page.electorate,
                        ballots={b.coop_id: b for b in every_ballot})


@bp.get("/<int:vote_id>/<any(ballot, concerns, close, cancel, statement):part>")
def form_address(vote_id: int, part: str):
    """The address a vote page's form posts to, opened directly (a reload, a bookmark): the page."""
    vote = queries.get_vote(vote_id)
    return redirect(url_for(".show", vote_id=vote.id, _anchor={"concerns": "concerns", "ballot": "ballot"}.get(part)))


def _statement_form(vote: Vote) -> StatementForm:
    form = _shown(StatementForm)
    form.text.data, form.review_date.data = vote.outcome_statement, vote.review_date
    return form


@bp.get("/<int:vote_id>")
def show(vote_id: int):
    since = latest_event_id()  # first: a change committed after this is replayed to the page
    return _render_vote(queries.get_vote(vote_id), live_since=since)


def _chosen_coop(value: str | None) -> Cooperative | None:
    if not value:
        return None
    coop = find_coop(value)
    if coop is None:
        raise InvalidInput(_("Choose the co-op you are voting for."), field_errors={"coop": [_("Choose a co-op.")]})
    return coop


def _ranks_from_form(vote: Vote) -> dict[str, str]:
    """The numbers chosen next to each option (kept to re-render the form)."""
    ranks: dict[str, str] = {}
    for index, (ident, _label) in enumerate(_options(vote)):
        value = (request.form.get(f"rank-{index}") or "").strip()
        if value:
            ranks[ident] = value
    return ranks


def _ranking(vote: Vote, ranks: dict[str, str]) -> list[str]:
    """The ranking the numbers give, most preferred first."""
    numbers: dict[str, int] = {}
    for ident, value in ranks.items():
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= len(_options(vote)):
            raise InvalidInput(_("Use the numbers in the lists to rank the options."), field_errors={"ranking": [_("Invalid rank.")]})
        numbers[ident] = int(value)
    if len(set(numbers.values())) != len(numbers):
        raise InvalidInput(_("Give each option you rank a different number."),
                           field_errors={"ranking": [_("Two options have the same rank.")]})
    return sorted(numbers, key=numbers.get)


@bp.post("/<int:vote_id>/ballot")
@login_required
def cast(vote_id: int):
    vote = queries.get_vote(vote_id)
    form = _ballot_form(vote, queries.voting_members(current_user, vote), BallotForm())
    ranks = _ranks_from_form(vote) if vote.method == "ranked" else {}
    try:
        if not form.validate():
            raise InvalidInput(_("Please check the form."))
        coop = _chosen_coop(form.coop.data)
        if form.choice.data == "object":
            objections.raise_objection(actor=current_user, vote=vote, coop=coop, argument=form.argument.data,
                                     passage=form.passage.data, paramount=form.paramount.data, note=form.note.data)
        else:
            ranking = None
            if vote.method == "ranked":
                ranking = _ranking(vote, ranks)
                if not ranking:
                    ranking = [] if form.abstain.data else None
            services.cast_ballot(actor=current_user, vote=vote, coop=coop, choice=form.choice.data or None,
                                 ranking=ranking, note=form.note.data)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        show_errors(form, error)
        return _render_vote(vote, status=error.status, forms={"ballot": form}, ranks=ranks)
    flash(_("Your co-op's ballot is recorded. You can change it until the vote closes."), "success")
    return redirect(url_for(".show", vote_id=vote_id) + "#your-ballot")  # not vote.id: the commit expired it


@bp.post("/<int:vote_id>/concerns")
@login_required
def concern(vote_id: int):
    vote = queries.get_vote(vote_id)
    form = ConcernForm()
    form.coop.choices = [SelectChoice(str(m.coop_id), m.coop.name) for m in queries.voting_members(current_user, vote)]
    try:
        objections.log_concern(actor=current_user, vote=vote, coop=_chosen_coop(form.coop.data),
                             argument=form.argument.data, passage=form.passage.data)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        show_errors(form, error)
        return _render_vote(vote, status=error.status, forms={"concern": form})
    flash(_("Your concern is recorded for the next review."), "success")
    return redirect(url_for(".show", vote_id=vote.id) + "#concerns")


@bp.post("/<int:vote_id>/objections/<int:objection_id>/withdraw")
@login_required
def withdraw(vote_id: int, objection_id: int):
    vote = queries.get_vote(vote_id)
    objection = queries.get_objection(vote, objection_id)
    form = WithdrawForm()
    objections.withdraw_objection(actor=current_user, objection=objection, note=form.note.data or "")
    flash(_("The objection is withdrawn."), "success")
    return redirect(url_for(".show", vote_id=vote.id) + "#objections")


@bp.post("/<int:vote_id>/objections/<int:objection_id>/resolve")
@login_required
def resolve(vote_id: int, objection_id: int):
    vote = queries.get_vote(vote_id)
    objection = queries.get_objection(vote, objection_id)
    form = ResolveForm()
    try:
        objections.resolve_objection(actor=current_user, objection=objection, upheld=form.outcome.data == "upheld",
                                   amendment_id=form.amendment_id.data,
                                   note=form.note.data or "")
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        show_errors(form, error)
        return _render_vote(vote, status=error.status, forms={"resolve": form, "resolve_for": objection.id})
    flash(_("The objection's outcome is recorded."), "success")
    return redirect(url_for(".show", vote_id=vote.id) + "#objections")


@bp.post("/<int:vote_id>/close")
@login_required
def close(vote_id: int):
    vote = queries.get_vote(vote_id)
    closing.check_can_close_early(current_user, vote)
    vote = closing.close_vote(actor=current_user, vote=vote)
    flash(_("The vote is closed and its result is recorded."), "success")
    return redirect(url_for(".show", vote_id=vote.id) + "#result")


@bp.post("/<int:vote_id>/cancel")
@login_required
def cancel(vote_id: int):
    vote = queries.get_vote(vote_id)
    form = CancelForm()
    try:
        closing.cancel_vote(actor=current_user, vote=vote, reason=form.reason.data or "")
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        show_errors(form, error)
        return _render_vote(vote, status=error.status, forms={"cancel": form})
    flash(_("The vote is cancelled."), "success")
    return redirect(url_for(".show", vote_id=vote.id))


@bp.post("/<int:vote_id>/statement")
@login_required
def statement(vote_id: int):
    vote = queries.get_vote(vote_id)
    form = StatementForm()
    try:
        if form.review_date.raw_data and form.review_date.raw_data[0] and form.review_date.data is None:
            closing.require_review_date(form.review_date.raw_data[0])  # what was typed is not a date
        closing.add_outcome_statement(actor=current_user, vote=vote, text=form.text.data or "",
                                      review_date=form.review_date.data)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        show_errors(form, error)
        return _render_vote(vote, status=error.status, forms={"statement": form})
    flash(_("The outcome statement is published."), "success")
    return redirect(url_for(".show", vote_id=vote.id) + "#statement")


@bp.get("/<int:vote_id>/record.jsonl")
def record(vote_id: int):
    return queries.record_download(queries.get_vote(vote_id))


@bp.get("/<int:vote_id>/text.txt")
def text(vote_id: int):
    return queries.text_download(queries.get_vote(vote_id))
