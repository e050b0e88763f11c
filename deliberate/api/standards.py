"""API: standards, their sections and revisions, and their versions (public reads)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..standards import services as standards
from ..standards.models import Revision, Standard
from ..versions import queries as versions
from ..versions.models import Version
from . import present
from .blueprint import bp
from .helpers import listing, listing_query
from .openapi import IF_NONE_MATCH, PAGE_PARAMS, Param, operation, page, path_slug
from .schemas import MAX_ID, ref

SLUG = path_slug("slug", "The standard's slug, e.g. `platform-co-op-principles`.")
KEY = path_slug("key", "The section's stable key (it never changes when the section is retitled or moved).")
NUMBER = Param("number", "path", {"type": "string", "pattern": r"^\d{1,6}\.\d{1,6}(\.\d{1,6})?$"},
               "The version number, e.g. `1.0`.", True)
REVISION = Param("revision", "path", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                 "The revision's number within the section (1 is the first).", True)
ATTEMPT = Param("attempt", "query", {"type": "integer", "minimum": 1, "maximum": 1000},
                "For a number that failed ratification and was tried again: which attempt.")


@operation(bp, "GET", "/standards", summary="List standards", tag="Standards", params=PAGE_PARAMS,
           response=(200, page("StandardSummary"), "A page of standards, oldest first."))
def list_standards(query: dict[str, Any]):
    """Every standard of the network, with its maturity and latest ratified version."""
    return listing_query(select(Standard), lambda s: present.standard_summary(s, versions.latest_ratified(s)),
                         column=Standard.id, query=query)


@operation(bp, "GET", "/standards/{slug}", summary="Get a standard", tag="Standards", params=(SLUG, IF_NONE_MATCH),
           response=(200, ref("Standard"), "The standard, with its working draft's sections in order."), etag=True)
def get_standard(slug: str):
    """A standard: title, summary, maturity, policy, latest ratified version and the working draft's
    sections. Send the ETag back as `If-None-Match` to get 304 while nothing changed."""
    standard = versions.get_standard(slug)
    return present.standard(standard, versions.latest_ratified(standard), versions.working_sections(standard))


@operation(bp, "GET", "/standards/{slug}/sections", summary="List a standard's sections", tag="Standards",
           params=(SLUG, *PAGE_PARAMS), response=(200, page("SectionSummary"), "A page of sections, in order."))
def list_sections(slug: str, query: dict[str, Any]):
    """The working draft's sections, in their order in the standard."""
    standard = versions.get_standard(slug)
    return listing(versions.working_sections(standard), present.section_summary, key=lambda s: s.position,
                   query=query)


def _section(slug: str, key: str):
    standard = versions.get_standard(slug)
    return standard, standards.get_section(standard, key)


@operation(bp, "GET", "/standards/{slug}/sections/{key}", summary="Get a section", tag="Standards",
           params=(SLUG, KEY), response=(200, ref("Section"), "The section and its current revision."))
def get_section(slug: str, key: str):
    """A section's current text (its head revision), even if an amendment has since removed it."""
    standard, section = _section(slug, key)
    return present.section(standard.slug, section)


@operation(bp, "GET", "/standards/{slug}/sections/{key}/revisions", summary="List a section's revisions",
           tag="Standards", params=(SLUG, KEY, *PAGE_PARAMS),
           response=(200, page("Revision"), "A page of revisions, oldest first."))
def list_revisions(slug: str, key: str, query: dict[str, Any]):
    """Every revision of a section: immutable snapshots with author, co-op, message and provenance."""
    _standard, section = _section(slug, key)
    return listing_query(select(Revision).where(Revision.section_id == section.id), present.revision,
                         column=Revision.number, query=query)


@operation(bp, "GET", "/standards/{slug}/sections/{key}/revisions/{revision}", summary="Get a revision",
           tag="Standards", params=(SLUG, KEY, REVISION), response=(200, ref("Revision"), "The revision."))
def get_revision(slug: str, key: str, revision: int):
    """One revision of a section, by its number."""
    _standard, section = _section(slug, key)
    return present.revision(standards.get_revision(section, revision))


@operation(bp, "GET", "/standards/{slug}/versions", summary="List a standard's versions", tag="Versions",
           params=(SLUG, *PAGE_PARAMS), response=(200, page("VersionSummary"), "A page of versions, oldest first."))
def list_versions(slug: str, query: dict[str, Any]):
    """Every version: ratified ones, the candidate being voted on, and failed candidates."""
    standard = versions.get_standard(slug)
    return listing_query(select(Version).where(Version.standard_id == standard.id), present.version_summary,
                         column=Version.id, query=query)


@operation(bp, "GET", "/standards/{slug}/versions/{number}", summary="Get a version", tag="Versions",
           params=(SLUG, NUMBER, ATTEMPT, IF_NONE_MATCH), etag=True,
           response=(200, ref("Version"), "The version with its full text, section by section."))
def get_version(slug: str, number: str, query: dict[str, Any]):
    """A version (the ratified one with that number, else its latest attempt): its sections, the
    amendments it adopted, its content hash and the vote that decided it. Ratified versions never
    change, so their ETag never does."""
    versions.check_version_number(number)
    standard: Standard = versions.get_standard(slug)
    found = versions.get_version(standard, number, query.get("attempt"))
    previous = db.session.get(Version, found.previous_id) if found.previous_id else None
    return present.version(standard.slug, found, previous)
