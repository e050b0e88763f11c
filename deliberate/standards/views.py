"""Standard pages: the current text with contents and permalinks, sections, history, editing."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..discussions.queries import RECENT, thread_view
from ..errors import Conflict, DomainError
from ..forms import form_id, show_errors
from ..members.services import find_coop
from ..proposals.permissions import can_propose
from ..proposals.queries import list_amendments
from ..realtime.events import latest_event_id
from ..text.paragraphs import number_paragraphs
from ..versions import queries as version_queries
from ..versions.pagecache import observer_page
from ..versions.permissions import can_assemble
from ..versions.subjects import MATURITY_STEPS
from . import permissions, services
from .forms import RevisionForm, SectionForm, StandardForm

bp = Blueprint("standards", __name__, url_prefix="/standards")


@bp.get("/")
def index():
    return render_template("standards/index.html", standards=services.list_standards(),
                           can_start=permissions.can_create_standard(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    services.check_can_create_standard(current_user)
    form = StandardForm()
    if form.validate_on_submit():
        try:
            standard = services.create_standard(actor=current_user, title=form.title.data, summary=form.summary.data or "")
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The standard is created. Add its first section."), "success")
            return redirect(url_for("standards.new_section", slug=standard.slug))
    return render_template("standards/new.html", form=form), (422 if request.method == "POST" else 200)


@bp.get("/<slug>")
def show(slug: str):
    """The latest ratified version by default; the working draft with ?draft=1 (or until a version
    is ratified). Observers are served from the page cache while nothing has changed."""
    return observer_page(lambda: _show(slug), standard=slug)


def _show(slug: str) -> str:
    since = latest_event_id()  # first: a change committed after this is replayed to the page
    standard = version_queries.get_standard(slug)
    reading = version_queries.reading(standard, draft=request.args.get("draft") == "1")
    if reading.mode == "version":
        paragraphs = version_queries.numbered_sections(reading.version)
    else:
        paragraphs = {s.id: number_paragraphs(s.body, str(s.position)) for s in reading.sections}
    return render_template("standards/show.html", standard=standard, sections=reading.sections, reading=reading,
                           paragraphs=paragraphs,
                           can_add=permissions.can_create_standard(current_user) and permissions.text_is_open(standard),
                           can_propose=can_propose(current_user), can_assemble=can_assemble(current_user),
                           maturity_next=MATURITY_STEPS.get(standard.maturity) if can_assemble(current_user) else None,
                           thread=thread_view("standard", standard.id, current_user, recent=RECENT, since=since),
                           live_since=since)


@bp.route("/<slug>/sections/new", methods=["GET", "POST"])
@login_required
def new_section(slug: str):
    standard = services.get_standard(slug)
    services.check_can_add_section(current_user, standard)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            section = services.add_section(actor=current_user, standard=standard, title=form.title.data,
                                           body=form.body.data or "", kind=form.kind.data, position=form.position.data)
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Section added."), "success")
            return redirect(url_for("standards.section", slug=slug, key=section.key))
    return render_template("standards/new_section.html", standard=standard, form=form), (
        422 if request.method == "POST" else 200)


@bp.get("/<slug>/s/<key>")
def section(slug: str, key: str):
    standard = services.get_standard(slug)
    section = services.get_section(standard, key)
    person = current_user if current_user.is_authenticated else None
    return render_template("standards/section.html", standard=standard, section=section,
                           history=services.section_history(section),
                           paragraphs=number_paragraphs(section.body, str(section.position)),
                           amendments=list_amendments(standard, person, section),
                           can_edit=permissions.can_edit_section(current_user, section) and section.retired_at is None
                           and permissions.text_is_open(standard),
                           text_open=permissions.text_is_open(standard),
                           can_propose=can_propose(current_user) and section.retired_at is None,
                           thread=thread_view("section", section.id, person, recent=RECENT))


@bp.get("/<slug>/s/<key>/r/<int:number>")
def revision(slug: str, key: str, number: int):
    standard = services.get_standard(slug)
    section = services.get_section(standard, key)
    return render_template("standards/revision.html", standard=standard, section=section,
                           revision=services.get_revision(section, number))


@bp.route("/<slug>/s/<key>/edit", methods=["GET", "POST"])
@login_required
def edit_section(slug: str, key: str):
    standard = services.get_standard(slug)
    section = services.get_section(standard, key)
    services.check_can_edit_section(current_user, section)
    form = RevisionForm()
    acting = current_user.acting_coops
    form.coop.choices = [SelectChoice(str(c.id), c.name) for c in acting]
    if current_user.is_steward:
        form.coop.choices.append(SelectChoice("", _("No co-op (as steward)")))
    conflict = None
    status = 422 if request.method == "POST" else 200
    if request.method == "GET":
        form.title.data, form.body.data = section.title, section.body
        form.base_revision_id.data = str(section.head_revision_id)
    elif form.validate_on_submit():
        try:
            coop = find_coop(form.coop.data)
            base_id = form_id(form.base_revision_id.data)
            revision = services.revise_section(actor=current_user, section=section, title=form.title.data,
                                               body=form.body.data or "", message=form.message.data,
                                               base_revision_id=base_id, coop=coop)
        except Conflict as error:
            show_errors(form, error)
            status = error.status
            conflict = services.get_section(standard, key)
            # The person has now seen the newer text: a second save builds on it deliberately.
            form.base_revision_id.data = str(conflict.head_revision_id)
        except DomainError as error:
            show_errors(form, error)
            status = error.status
        except ValueError:
            flash(_("The form was incomplete. Please try again."), "error")
        else:
            flash(_("Saved as revision %(number)s.", number=revision.number), "success")
            return redirect(url_for("standards.section", slug=slug, key=key))
    return render_template("standards/edit_section.html", standard=standard, section=section, form=form,
                           conflict=conflict), status
