"""Contribution records: a release's (per co-op and per person), a co-op's and a person's across
releases, each as a page, a CSV and a JSON download. All public reads: they show only what the
version pages, amendments and public votes already show, counted."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, render_template
from flask_login import current_user

from ..versions import queries as versions
from . import presenting, queries

bp = Blueprint("credit", __name__)


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _export(fmt: str, data: dict[str, Any], csv_text, stem: str) -> Response:
    if fmt == "json":
        return _download(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                         "application/json", f"{stem}.json")
    return _download(csv_text(), "text/csv", f"{stem}.csv")


def _record(slug: str, ref: str) -> queries.ReleaseRecord:
    versions.check_version_number(ref)
    standard = versions.get_standard(slug)
    return queries.release_record(versions.get_version(standard, ref))


@bp.get("/standards/<slug>/v/<ref>/contributions")
def release(slug: str, ref: str):
    record = _record(slug, ref)
    return render_template("credit/release.html", record=record, text_words=queries.text_words(record.version))


@bp.get("/standards/<slug>/v/<ref>/contributions.<any(csv, json):fmt>")
def release_export(slug: str, ref: str, fmt: str):
    record = _record(slug, ref)
    stem = f"{record.standard.slug}-{record.version.number}-contributions"
    return _export(fmt, presenting.release_data(record), lambda: presenting.release_csv(record), stem)


def _coop(slug: str):
    return queries.visible_coop(slug, current_user if current_user.is_authenticated else None)


@bp.get("/coops/<slug>/contributions")
def coop(slug: str):
    found = _coop(slug)
    return render_template("credit/across.html", kind="coop", coop=found, person=None,
                           releases=queries.coop_contributions(found))


@bp.get("/coops/<slug>/contributions.<any(csv, json):fmt>")
def coop_export(slug: str, fmt: str):
    found = _coop(slug)
    data = presenting.across_data("coop", found.name, found, queries.coop_contributions(found))
    return _export(fmt, data, lambda: presenting.across_csv(data), f"{found.slug}-contributions")


def _person(person_id: int):
    return queries.person_page(person_id)


@bp.get("/people/<int:person_id>/contributions")
def person(person_id: int):
    who, found = _person(person_id)
    return render_template("credit/across.html", kind="person", coop=None, person=who, releases=found)


@bp.get("/people/<int:person_id>/contributions.<any(csv, json):fmt>")
def person_export(person_id: int, fmt: str):
    who, found = _person(person_id)
    data = presenting.across_data("person", who.name, None, found)
    return _export(fmt, data, lambda: presenting.across_csv(data), f"person-{who.id}-contributions")
