"""Proxy pages: a co-op's proxies (give, accept, decline, revoke), casting the votes a co-op holds,
and the network's proxy record as JSON lines. Thin: parse, call one service, translate."""
from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..database import utcnow
from ..errors import DomainError, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..forms import show_errors
from ..i18n import translated
from ..members import services as members
from ..members.models import Cooperative
from ..standards.models import Standard
from ..voting import queries as vote_queries
from ..voting.models import CHOICE_LABELS, Vote
from ..voting.rules import CHOICES
from . import chain, queries, services
from .forms import GiveProxyForm, ProxyActionForm, ProxyBallotForm

bp = Blueprint("proxies", __name__)


def _coop(slug: str) -> Cooperative:
    coop = members.get_coop(slug)
    if not queries.can_see_proxies_page(current_user, coop):
        abort(404)
    return coop


def _give_form(coop: Cooperative, form: GiveProxyForm | None = None) -> GiveProxyForm:
    form = form or GiveProxyForm(formdata=None)
    others = db.session.scalars(select(Cooperative).where(Cooperative.status == "member", Cooperative.id != coop.id)
                                .order_by(Cooperative.name))
    form.holder.choices = [SelectChoice(str(c.id), c.name) for c in others]
    form.standard.choices = [SelectChoice("", "—")] + [SelectChoice(str(s.id), s.title) for s in
                                                        db.session.scalars(select(Standard).order_by(Standard.title))]
    form.vote.choices = [SelectChoice("", "—")] + [SelectChoice(str(v.id), v.title) for v in
                                                    db.session.scalars(select(Vote).where(Vote.state == "open").order_by(Vote.id))]
    return form


def _render(coop: Cooperative, form: GiveProxyForm | None = None, status: int = 200):
    given, received = queries.coop_proxies(coop)
    flags = queries.flags(current_user, coop, given + received)
    return render_template("proxies/coop.html", coop=coop, given=given, received=received, flags=flags,
                           form=_give_form(coop, form), action_form=ProxyActionForm(),
                           limit=services.max_per_coop()), status


@bp.get("/coops/<slug>/proxies")
def coop_page(slug: str):
    return _render(_coop(slug))


def _picked(model, value: str | None):
    if not value:
        return None
    try:
        return db.session.get(model, int(value))
    except ValueError:
        return None


@bp.post("/coops/<slug>/proxies")
@login_required
def give(slug: str):
    coop = _coop(slug)
    services.check_can_give(current_user, coop)
    form = _give_form(coop, GiveProxyForm())
    try:
        if not form.validate():
            raise InvalidInput(_("Please check the form."))
        holder = _picked(Cooperative, form.holder.data)
        if holder is None:
            raise InvalidInput(_("Choose a co-op."), field_errors={"holder": [_("Choose a co-op.")]})
        services.give_proxy(actor=current_user, giver=coop, holder=holder, scope=form.scope.data,
                            ends_at=datetime.combine(form.ends_on.data, time(0), tzinfo=UTC),
                            standard=_picked(Standard, form.standard.data), vote=_picked(Vote, form.vote.data))
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        show_errors(form, error)
        return _render(coop, form, error.status)
    flash(_("Your co-op's vote is offered to %(coop)s. It counts once one of its delegates accepts.", coop=holder.name), "success")
    return redirect(url_for(".coop_page", slug=coop.slug))


@bp.post("/proxies/<int:proxy_id>/<any(accept, decline, revoke):action>")
@login_required
def change(proxy_id: int, action: str):
    proxy = services.get_proxy(proxy_id)
    form = ProxyActionForm()
    if not form.validate():
        flash(_("The form expired: please try again."), "error")
        return redirect(url_for(".coop_page", slug=proxy.giver.slug))
    service = {"accept": services.accept_proxy, "decline": services.decline_proxy, "revoke": services.revoke_proxy}[action]
    service(actor=current_user, proxy=proxy)
    flash({"accept": _("Accepted: your co-op now holds the vote of %(coop)s.", coop=proxy.giver.name),
           "decline": _("Declined."), "revoke": _("Revoked: %(coop)s no longer votes for your co-op.", coop=proxy.holder.name)}[action],
          "success")
    slug = proxy.giver.slug if action == "revoke" else proxy.holder.slug
    return redirect(url_for(".coop_page", slug=slug))


@bp.get("/proxies/record.jsonl")
def record() -> Any:
    entries = queries.record_entries()
    response = Response(chain.dumps(entries), mimetype="application/x-ndjson")
    response.set_etag(chain.head(entries))
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response.make_conditional(request)


# Casting the votes a co-op holds -----------------------------------------------------------------

def _ballot_form(vote: Vote, member_id: int, form: ProxyBallotForm | None = None) -> ProxyBallotForm:
    form = form or ProxyBallotForm(formdata=None, prefix=f"c{member_id}")
    form.choice.choices = [SelectChoice(c, _(CHOICE_LABELS[c])) for c in CHOICES[vote.method] if c != "object"]
    return form


def _render_vote(vote: Vote, forms: dict[int, ProxyBallotForm] | None = None, status: int = 200):
    section = queries.vote_section(vote, current_user, utcnow())
    forms = forms or {}
    shown = {held.member.coop_id: forms.get(held.member.coop_id) or _ballot_form(vote, held.member.coop_id) for held in section.held}
    options = [(ident, label) for ident, label in (vote.alternatives or [])] + [("status-quo", _("The status quo"))]
    return render_template("proxies/vote.html", vote=vote, section=section, forms=shown, options=options,
                           choice_labels=translated(CHOICE_LABELS)), status


@bp.get("/votes/<int:vote_id>/proxies")
@login_required
def vote_page(vote_id: int):
    return _render_vote(vote_queries.get_vote(vote_id))


def _ranking(vote: Vote, prefix: str) -> list[str]:
    from ..voting.rules import STATUS_QUO

    idents = [ident for ident, _label in (vote.alternatives or [])] + [STATUS_QUO]
    numbers: dict[str, int] = {}
    for index, ident in enumerate(idents):
        value = (request.form.get(f"{prefix}-rank-{index}") or "").strip()
        if value:
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= len(idents):
                raise InvalidInput(_("Use the numbers in the lists to rank the options."))
            numbers[ident] = int(value)
    if len(set(numbers.values())) != len(numbers):
        raise InvalidInput(_("Give each option you rank a different number."))
    return sorted(numbers, key=numbers.get)


@bp.post("/votes/<int:vote_id>/proxies/<slug>")
@login_required
def cast(vote_id: int, slug: str):
    vote = vote_queries.get_vote(vote_id)
    for_coop = members.get_coop(slug)
    form = _ballot_form(vote, for_coop.id, ProxyBallotForm(prefix=f"c{for_coop.id}"))
    holder = members.find_coop(request.form.get("holder"))
    try:
        if not form.validate():
            raise InvalidInput(_("Please check the form."))
        ranking = _ranking(vote, f"c{for_coop.id}") if vote.method == "ranked" else None
        services.cast_by_proxy(actor=current_user, vote=vote, holder=holder, for_coop=for_coop,
                               choice=form.choice.data or None, ranking=ranking, note=form.note.data or "")
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        show_errors(form, error)
        return _render_vote(vote, {for_coop.id: form}, error.status)
    flash(_("The ballot of %(coop)s is recorded. It counts unless %(coop)s votes itself.", coop=for_coop.name), "success")
    return redirect(url_for(".vote_page", vote_id=vote.id))
