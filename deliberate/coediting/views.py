"""The live editor page; without JavaScript, the ordinary edit form is used instead."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user, login_required

from ..proposals import queries as amendments
from ..standards import services as standards
from . import services

bp = Blueprint("coediting", __name__)


@bp.get("/standards/<slug>/s/<key>/together")
@login_required
def section_editor(slug: str, key: str):
    standard = standards.get_standard(slug)
    section = standards.get_section(standard, key)
    document = services.Document("section", section)
    services.check_can_open_editor(current_user, document)
    return render_template("coediting/editor.html", standard=standard, section=section, document=document,
                           coops=current_user.acting_coops, title=section.title, text=section.body,
                           back=url_for("standards.section", slug=slug, key=key),
                           fallback=url_for("standards.edit_section", slug=slug, key=key))


@bp.get("/standards/<slug>/amendments/<int:amendment_id>/together")
@login_required
def amendment_editor(slug: str, amendment_id: int):
    standard = standards.get_standard(slug)
    amendment = amendments.get_amendment(standard, amendment_id, current_user)
    document = services.Document("amendment", amendment)
    services.check_can_open_editor(current_user, document)
    return render_template("coediting/editor.html", standard=standard, section=None, amendment=amendment,
                           document=document, coops=current_user.acting_coops,
                           title=f"{amendment.reference} · {amendment.title}", text=amendment.head.proposed_body,
                           back=url_for("amendments.show", slug=slug, amendment_id=amendment.id),
                           fallback=url_for("amendments.edit", slug=slug, amendment_id=amendment.id))
