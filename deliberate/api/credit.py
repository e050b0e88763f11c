"""API: contribution records (public reads) — a release's record per co-op and per person, and a
co-op's contributions across releases. The same data as the pages' JSON downloads
(``credit/presenting.py``); the method is described in docs/credit.md."""
from __future__ import annotations

from typing import Any

from ..credit import presenting, queries
from ..versions import queries as versions
from .auth import current_person
from .blueprint import bp
from .openapi import operation, path_slug
from .schemas import COMPONENTS, INT, STRING, nullable, obj, ref
from .standards import NUMBER, SLUG

COOP = path_slug("coop_slug", "The co-op's slug, e.g. `kazi-riders`.")
_IDS = {"type": "array", "items": INT}
_REFS = {"type": "array", "items": STRING}
_COUNTS = {
    "words": {**INT, "description": "Words of the version's text (titles and bodies) they wrote."},
    "new_words": {**INT, "description": "Of those, the words written since the previous ratified version."},
    "amendments_proposed": {**INT, "description": "Amendments adopted in the release that they proposed."},
    "amendments_coauthored": {**INT, "description": "Amendments adopted in the release that they co-authored."},
    "objections_raised": {**INT, "description": "Objections they raised that an amendment of the release resolved."},
    "objections_resolved": {**INT, "description": "Objections resolved by an amendment they wrote."},
    "resolutions_recorded": {**INT, "description": "Resolutions they recorded (stewards)."},
    "amendments": obj({"proposed": _REFS, "coauthored": _REFS}),
    "objections": obj({"raised": _IDS, "resolved": _IDS, "recorded": _IDS}),
}

COMPONENTS.update({
    "ContributionRelease": obj({
        "standard": obj({"slug": STRING, "title": STRING}), "number": STRING, "state": STRING, "ratified_at": nullable(STRING),
        "content_hash": STRING, "previous": nullable(STRING)}),
    "PersonContribution": obj({
        "name": {**STRING, "description": "The person's name, or “a former delegate of X” once erased."},
        "person_id": nullable(INT), "former_delegate": {"type": "boolean"}, "coop": nullable(ref("CoopRef")),
        **_COUNTS}),
    "CoopContribution": obj({"name": STRING, "coop": nullable(ref("CoopRef")), **_COUNTS}),
    "ContributionRecord": obj({
        "format": STRING, "release": ref("ContributionRelease"),
        "total_words": {**INT, "description": "The words of the version's text: the words of all rows add up to it."},
        "coops": {"type": "array", "items": ref("CoopContribution")},
        "people": {"type": "array", "items": ref("PersonContribution")}}),
    "Contributions": obj({
        "format": STRING, "kind": {"type": "string", "enum": ["coop", "person"]}, "name": STRING,
        "coop": nullable(ref("CoopRef")),
        "releases": {"type": "array", "items": obj({"release": ref("ContributionRelease"),
                                                    "coop": nullable(ref("CoopRef")), **_COUNTS})}}),
})


@operation(bp, "GET", "/standards/{slug}/versions/{number}/contributions", summary="Get a release's contribution record",
           tag="Contributions", params=(SLUG, NUMBER),
           response=(200, ref("ContributionRecord"), "Who contributed to the version, per co-op and per person."))
def get_release_contributions(slug: str, number: str):
    """Who wrote the words of the version, who proposed and co-authored the amendments it adopted, who
    raised the objections they resolved. Plain counts, no score (method: docs/credit.md)."""
    versions.check_version_number(number)
    standard = versions.get_standard(slug)
    return presenting.release_data(queries.release_record(versions.get_version(standard, number)))


@operation(bp, "GET", "/coops/{coop_slug}/contributions", summary="Get a co-op's contributions", tag="Contributions",
           params=(COOP,), response=(200, ref("Contributions"), "The co-op's counts in each ratified release."))
def get_coop_contributions(coop_slug: str) -> dict[str, Any]:
    """What the co-op's delegates (named or former) brought to each ratified release, oldest first."""
    coop = queries.visible_coop(coop_slug, current_person())
    return presenting.across_data("coop", coop.name, coop, queries.coop_contributions(coop))
