"""The policy pages: the network's rules and each standard's, in plain words and in full; the
form through which a steward proposes a change to them (a policy amendment, never an edit)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from .. import limits
from ..errors import DomainError
from ..forms import DataRequired, Length, show_errors
from ..members.permissions import is_steward
from ..standards import services as standards
from ..voting.policy import CHANGE_KIND_LABELS, CHANGE_KINDS, PHASE_FIELDS, SECTION_KINDS
from ..voting.rules import PRESET_LABELS, PRESETS
from . import changes, editing, netrules, presenting, queries, services

bp = Blueprint("policies", __name__)


class ProposePolicyForm(FlaskForm):
    name = StringField(_l("A short name for the change (optional)"), validators=[Optional(), Length(max=limits.TITLE)])
    summary = TextAreaField(_l("What changes for co-ops, in plain words"),
                            validators=[DataRequired(), Length(max=limits.AMENDMENT_SUMMARY)])
    rationale = TextAreaField(_l("Why? (rationale)"), validators=[Optional(), Length(max=limits.RATIONALE)])


def _person():
    return current_user if current_user.is_authenticated else None


def _page(standard, page, **extra):
    holder = netrules.network_rules_standard() if standard is None else standard
    return render_template("policies/show.html", standard=standard, page=page,
                           rules_standard=netrules.network_rules_standard() if standard is None else None,
                           history=changes.history(holder) if holder is not None else [],
                           pending=changes.pending(holder, _person()) if holder is not None else [],
                           holder=holder, can_propose=is_steward(current_user), **extra)


@bp.get("/policy")
def network():
    return _page(None, presenting.policy_page(queries.network_policy(), network=True))


@bp.get("/standards/<slug>/policy")
def standard(slug: str):
    standard = standards.get_standard(slug)
    if standard.role == netrules.ROLE:
        return redirect(url_for("policies.network"))
    return _page(standard, presenting.policy_page(queries.policy_for(standard), network=False),
                 title=_("How changes to “%(title)s” are decided", title=standard.title))


def _propose(standard):
    services.check_can_propose_policy(current_user)
    network = standard is None
    current = queries.network_policy() if network else queries.policy_for(standard)
    form = ProposePolicyForm()
    values = editing.form_values(current, network=network)
    field_errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        status = 422
        values = {**{k: v for k, v in values.items() if not isinstance(v, bool)},
                  **{k: v for k, v in request.form.items() if k not in ("csrf_token", "name", "summary", "rationale")}}
        for name in values.copy():
            if name.startswith(("urgent-", "steward_may_adopt-")):
                values[name] = request.form.get(name) == "on"
        if form.validate_on_submit():
            try:
                proposed = editing.policy_from_form(request.form, current, network=network)
            except editing.FormErrors as error:
                field_errors = {name: [message] for name, message in error.fields.items()}
                flash(_("Some rules are not filled in as numbers: see the marked fields."), "error")
            else:
                try:
                    amendment = services.propose_policy_change(
                        actor=current_user, standard=standard, policy=proposed, summary=form.summary.data,
                        rationale=form.rationale.data or "", name=form.name.data or "")
                except DomainError as error:
                    show_errors(form, error)
                    field_errors = error.field_errors
                    status = error.status
                else:
                    flash(_("Your proposal is saved as a draft amendment. Open it for discussion when it is ready: "
                            "the member co-ops then decide it by vote."), "success")
                    return redirect(url_for("amendments.show", slug=amendment.standard.slug, amendment_id=amendment.id))
    presets = [(name, _(PRESET_LABELS[name])) for name, rule in PRESETS.items() if rule.method != "ranked"]
    kinds = [(kind, _(CHANGE_KIND_LABELS[kind])) for kind in CHANGE_KINDS if network or kind != "admission"]
    return render_template("policies/propose.html", standard=standard, form=form, values=values,
                           field_errors=field_errors, presets=presets, kinds=kinds, phase_fields=PHASE_FIELDS,
                           section_kinds=SECTION_KINDS, network=network,
                           ranked=[(n, _(PRESET_LABELS[n])) for n, r in PRESETS.items() if r.method == "ranked"]), status


@bp.route("/policy/propose", methods=["GET", "POST"])
@login_required
def propose_network():
    return _propose(None)


@bp.route("/standards/<slug>/policy/propose", methods=["GET", "POST"])
@login_required
def propose_standard(slug: str):
    standard = standards.get_standard(slug)
    if standard.role == netrules.ROLE:
        return redirect(url_for("policies.propose_network"))
    return _propose(standard)
