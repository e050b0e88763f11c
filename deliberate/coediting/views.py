"""The live editor page; without JavaScript, the ordinary edit form is used instead."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..errors import PermissionDenied
from ..standards import services as standards
from . import services

bp = Blueprint("coediting", __name__)


@bp.get("/standards/<slug>/s/<key>/together")
@login_required
def section_editor(slug: str, key: str):
    standard = standards.get_standard(slug)
    section = standards.get_section(standard, key)
    document = services.Document("section", section)
    if not services.can_coedit(current_user, document):
        raise PermissionDenied("Only delegates of member co-ops and stewards can edit the draft.")
    return render_template("coediting/editor.html", standard=standard, section=section, document=document,
                           coops=current_user.acting_coops)
