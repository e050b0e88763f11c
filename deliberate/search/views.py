"""The search page, and ``flask --app deliberate search reindex``."""
from __future__ import annotations

import click
from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..database import unit_of_work
from ..standards.services import get_standard
from . import indexing
from .queries import Hit, search
from .schema import include_name

bp = Blueprint("search", __name__, cli_group="search")


@bp.record_once
def _leave_the_full_text_index_to_the_migration(state) -> None:
    # `flask db migrate` compares the models with the database; the FTS5 tables and the GIN index
    # are not models, so without this it would propose dropping them.
    migrate = state.app.extensions.get("migrate")
    if migrate is not None:
        migrate.configure_args.setdefault("include_name", include_name)

KIND_LABELS = {"standard": _l("Standards"), "section": _l("Sections"), "amendment": _l("Amendments"), "comment": _l("Comments")}
HIT_LABELS = {"standard": _l("Standard"), "section": _l("Section"), "amendment": _l("Amendment"), "comment": _l("Comment")}


def hit_url(hit: Hit) -> str:
    if hit.kind == "standard":
        return url_for("standards.show", slug=hit.standard_slug)
    if hit.kind == "section":
        return url_for("standards.section", slug=hit.standard_slug, key=hit.section_key)
    if hit.kind == "amendment":
        return url_for("amendments.show", slug=hit.standard_slug, amendment_id=hit.ref_id)
    return url_for("discussions.permalink", comment_id=hit.ref_id)


@bp.get("/search")
def index():
    slug = request.args.get("standard") or None
    standard = get_standard(slug) if slug else None
    results = search(current_user if current_user.is_authenticated else None, request.args.get("q", ""),
                     kind=request.args.get("kind") or None, standard=standard,
                     page=request.args.get("page", default=1, type=int) or 1)
    items = [(hit, hit_url(hit), HIT_LABELS[hit.kind]) for hit in results.hits]
    return render_template("search/index.html", results=results, items=items, kinds=KIND_LABELS)


@bp.cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the standards, amendments and comments."""
    with unit_of_work() as session:
        count = indexing.rebuild(session)
    click.echo(f"Search index rebuilt: {count} documents.")
