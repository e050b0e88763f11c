"""Reading the registry: the read models its pages, feeds, badge and API share. No writes."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..members.models import Cooperative
from ..standards.models import Standard
from ..text import diff_html
from ..versions.models import Version
from . import rules, track
from .models import Declaration, DeclarationQuestion
from .services import snapshot, terms_for


@dataclass
class DeclarationView:
    """A declaration as pages show it: its state now (current, lapsed, superseded) and when it lapses."""

    declaration: Declaration
    state: str
    expires_at: datetime
    questions: list[DeclarationQuestion] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.declaration.id


def ratified_versions(standard: Standard) -> list[Version]:
    rows = db.session.scalars(select(Version).where(Version.standard_id == standard.id, Version.state == "ratified"))
    return sorted(rows, key=lambda v: v.sort_key, reverse=True)


def _newest_ids(declarations: Iterable[Declaration]) -> set[int]:
    """The newest declaration of each (co-op, standard): every other one is superseded."""
    newest: dict[tuple[int, int], int] = {}
    for d in declarations:
        key = (d.coop_id, d.standard_id)
        newest[key] = max(newest.get(key, 0), d.id)
    return set(newest.values())


def _views(declarations: list[Declaration], now: datetime, newest: set[int] | None = None) -> list[DeclarationView]:
    if newest is None:
        newest = _newest_ids(declarations)
    months = {}
    out = []
    for d in declarations:
        if d.standard_id not in months:
            months[d.standard_id] = terms_for(db.session.get(Standard, d.standard_id)).declaration_months
        m = months[d.standard_id]
        out.append(DeclarationView(d, rules.state(d.declared_at, now, m, d.id not in newest),
                                   rules.expires_at(d.declared_at, m)))
    return out


def standard_declarations(standard: Standard, now: datetime, limit: int | None = None) -> list[DeclarationView]:
    """The declarations made for the standard, newest first (the ``limit`` newest), with their state.
    A limit never misjudges "superseded": a declaration's newer sibling has a higher id, so it is
    in the same page whenever the older one is."""
    rows = list(db.session.scalars(select(Declaration).where(Declaration.standard_id == standard.id)
                                   .order_by(Declaration.id.desc()).limit(limit)))
    return _views(rows, now)


def coop_declarations(coop: Cooperative, now: datetime, limit: int | None = None) -> list[DeclarationView]:
    """The declarations the co-op made, newest first (the ``limit`` newest), with their state."""
    rows = list(db.session.scalars(select(Declaration).where(Declaration.coop_id == coop.id)
                                   .order_by(Declaration.id.desc()).limit(limit)))
    return _views(rows, now)


def declaration_view(declaration: Declaration, now: datetime) -> DeclarationView:
    siblings = list(db.session.scalars(select(Declaration.id).where(
        Declaration.coop_id == declaration.coop_id, Declaration.standard_id == declaration.standard_id)))
    view = _views([declaration], now, newest={max(siblings)})[0]
    view.questions = list(db.session.scalars(select(DeclarationQuestion).where(
        DeclarationQuestion.declaration_id == declaration.id).order_by(DeclarationQuestion.id)))
    return view


@dataclass
class RegistryTable:
    """The registry of one standard: for its newest ratified version (or the one asked), each
    co-op's newest declaration and its claim per section, filtered as asked, and each section's track."""

    standard: Standard
    version: Version | None
    versions: list[Version]
    sections: list[dict[str, Any]]
    rows: list[DeclarationView]
    tracks: dict[str, track.SectionTrack]
    filters: dict[str, str]
    coops: list[Cooperative]


FILTERS = ("coop", "stance", "section", "status", "state")


def registry_table(standard: Standard, now: datetime, version_number: str | None = None,
                   filters: dict[str, str] | None = None) -> RegistryTable:
    versions = ratified_versions(standard)
    version = next((v for v in versions if v.number == version_number), None) if version_number else None
    version = version or (versions[0] if versions else None)
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
    if version is None:
        return RegistryTable(standard, None, versions, [], [], {}, filters, [])
    sections = snapshot(db.session, version)
    every = standard_declarations(standard, now)
    on_version = [v for v in every if v.declaration.version_id == version.id and v.state != "superseded"]
    tracks = version_tracks(version, sections, every, now)
    coops = sorted({v.declaration.coop for v in on_version}, key=lambda c: c.name)
    rows = on_version
    if filters.get("coop"):
        rows = [v for v in rows if v.declaration.coop.slug == filters["coop"]]
    if filters.get("stance"):
        rows = [v for v in rows if v.declaration.stance == filters["stance"]]
    if filters.get("state"):
        rows = [v for v in rows if v.state == filters["state"]]
    if filters.get("section") and filters.get("status"):
        rows = [v for v in rows
                if v.declaration.claim_map().get(filters["section"], {}).get("status") == filters["status"]]
    elif filters.get("status"):
        rows = [v for v in rows if any(c.status == filters["status"] for c in v.declaration.claims)]
    if filters.get("section"):
        sections = [s for s in sections if s["key"] == filters["section"]] or sections
    return RegistryTable(standard, version, versions, sections, rows, tracks, filters, coops)


def version_tracks(version: Version, sections: list[dict[str, Any]], views: list[DeclarationView],
                   now: datetime) -> dict[str, track.SectionTrack]:
    """Each section's place on the specification → standard track (pure track.tracks over the claims)."""
    claims = [track.Claim(coop_id=v.declaration.coop_id, key=c.key, status=c.status, evidence_url=c.evidence_url,
                          in_force=v.state == "current", member=v.declaration.coop.status == "member")
              for v in views if v.declaration.version_id == version.id for c in v.declaration.claims]
    standard = db.session.get(Standard, version.standard_id)
    return track.tracks([s["key"] for s in sections], claims, version.ratified_at or version.created_at, now,
                        terms_for(standard))


@dataclass
class ReportRow:
    section: dict[str, Any]
    track: track.SectionTrack
    met: list[tuple[Declaration, Any]]  # (declaration, claim) declaring it met, with or without evidence
    partly: list[tuple[Declaration, Any]]
    others: dict[str, int]


def implementation_report(version: Version, now: datetime) -> list[ReportRow]:
    """Per section of the version: who declares it met (with what evidence), who partly, and how
    many declare it not met or not applicable; declarations in force only."""
    standard = db.session.get(Standard, version.standard_id)
    sections = snapshot(db.session, version)
    views = [v for v in standard_declarations(standard, now) if v.declaration.version_id == version.id]
    tracks = version_tracks(version, sections, views, now)
    current = [v for v in views if v.state == "current"]
    out = []
    for section in sections:
        met, partly, others = [], [], {"not_met": 0, "not_applicable": 0}
        for v in current:
            claim = next((c for c in v.declaration.claims if c.key == section["key"]), None)
            if claim is None:
                continue
            if claim.status == "met":
                met.append((v.declaration, claim))
            elif claim.status == "partly":
                partly.append((v.declaration, claim))
            else:
                others[claim.status] += 1
        out.append(ReportRow(section, tracks[section["key"]], met, partly, others))
    return out


@dataclass
class ReaffirmView:
    previous: Declaration
    declared: Version
    changes: list[dict[str, Any]]  # rules.changed_since, with inline_title / inline_body HTML


def reaffirm_view(previous: Declaration, version: Version) -> ReaffirmView:
    """What changed since the version the co-op declared, as pages show it (word diffs)."""
    declared = db.session.get(Version, previous.version_id)
    changes = rules.changed_since(snapshot(db.session, declared), snapshot(db.session, version))
    for change in changes:
        change["inline_title"] = diff_html.inline_html(change["title_ops"])
        change["inline_body"] = diff_html.inline_html(change["body_ops"])
    return ReaffirmView(previous, declared, changes)


def pending_reaffirmations(coop: Cooperative, now: datetime) -> list[tuple[Declaration, Version]]:
    """The co-op's newest declarations whose standard has ratified a newer version since."""
    out = []
    for view in coop_declarations(coop, now):
        if view.state == "superseded":
            continue
        declaration = view.declaration
        newest = ratified_versions(db.session.get(Standard, declaration.standard_id))
        if newest and newest[0].sort_key > declaration.version.sort_key:
            out.append((declaration, newest[0]))
    return out


def questions_for_standard(standard: Standard, limit: int = 20) -> list[DeclarationQuestion]:
    """The newest questions on the standard's declarations."""
    return list(db.session.scalars(select(DeclarationQuestion).join(Declaration).where(
        Declaration.standard_id == standard.id).order_by(DeclarationQuestion.id.desc()).limit(limit)))


def questions_for_coop(coop: Cooperative, limit: int = 50) -> list[DeclarationQuestion]:
    """The newest questions on the co-op's declarations, and those it asked."""
    return list(db.session.scalars(select(DeclarationQuestion).join(Declaration).where(
        (Declaration.coop_id == coop.id) | (DeclarationQuestion.coop_id == coop.id))
        .order_by(DeclarationQuestion.id.desc()).limit(limit)))
