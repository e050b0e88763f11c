"""The policy pages: the network's rules and each standard's, in plain words and in full."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from ..standards import services as standards
from . import presenting, queries

bp = Blueprint("policies", __name__)


@bp.get("/policy")
def network():
    return render_template("policies/show.html", standard=None,
                           page=presenting.policy_page(queries.network_policy(), network=True))


@bp.get("/standards/<slug>/policy")
def standard(slug: str):
    standard = standards.get_standard(slug)
    return render_template("policies/show.html", standard=standard,
                           page=presenting.policy_page(queries.policy_for(standard), network=False),
                           title=_("How changes to “%(title)s” are decided", title=standard.title))
