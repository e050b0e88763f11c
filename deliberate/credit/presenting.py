"""The contribution records as plain data: the one shape behind the JSON download, the API and
the CSV rows (so all three always say the same)."""
from __future__ import annotations

from typing import Any

from ..members.models import Cooperative
from . import export
from .queries import Across, CoopRow, PersonRow, ReleaseRecord

FORMAT = "deliberate-contributions/1"
COUNTS = ("words", "new_words", "amendments_proposed", "amendments_coauthored", "objections_raised",
          "objections_resolved", "resolutions_recorded")


def _coop(coop: Cooperative | None) -> dict[str, str] | None:
    return {"slug": coop.slug, "name": coop.name} if coop is not None else None


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _details(record: ReleaseRecord, tally) -> dict[str, Any]:
    return {**tally.counts(),
            "amendments": {"proposed": record.references(tally.proposed),
                           "coauthored": record.references(tally.coauthored)},
            "objections": {"raised": sorted(tally.objections_raised), "resolved": sorted(tally.objections_resolved),
                           "recorded": sorted(tally.resolutions_recorded)}}


def release_ref(record: ReleaseRecord) -> dict[str, Any]:
    version = record.version
    return {"standard": {"slug": record.standard.slug, "title": record.standard.title},
            "number": version.number, "state": version.state, "ratified_at": _iso(version.ratified_at),
            "content_hash": version.content_hash,
            "previous": record.previous.number if record.previous is not None else None}


def person_item(record: ReleaseRecord, row: PersonRow) -> dict[str, Any]:
    return {"name": row.label, "person_id": row.person.id if row.person is not None else None,
            "former_delegate": row.person is None, "coop": _coop(row.coop), **_details(record, row.tally)}


def coop_item(record: ReleaseRecord, row: CoopRow) -> dict[str, Any]:
    return {"name": row.label, "coop": _coop(row.coop), **_details(record, row.tally)}


def release_data(record: ReleaseRecord) -> dict[str, Any]:
    """A release's whole record."""
    return {"format": FORMAT, "release": release_ref(record), "total_words": record.total_words,
            "coops": [coop_item(record, r) for r in record.coops],
            "people": [person_item(record, r) for r in record.people]}


def across_data(kind: str, name: str, coop: Cooperative | None, found: list[Across]) -> dict[str, Any]:
    """A co-op's (``kind`` "coop") or a person's ("person") contributions, release by release."""
    return {"format": FORMAT, "kind": kind, "name": name, "coop": _coop(coop),
            "releases": [{"release": release_ref(a.record), "coop": _coop(a.coop), **_details(a.record, a.tally)}
                         for a in found]}


# CSV --------------------------------------------------------------------------------------------

RELEASE_COLUMNS = ("scope", "standard", "version", "name", "coop", *COUNTS, "amendments")
ACROSS_COLUMNS = ("standard", "version", "ratified_at", "coop", *COUNTS, "amendments")


def _refs(item: dict[str, Any]) -> str:
    return " ".join(item["amendments"]["proposed"] + item["amendments"]["coauthored"])


def release_csv(record: ReleaseRecord) -> str:
    data = release_data(record)
    base = {"standard": record.standard.title, "version": record.version.number}
    rows = [{**base, **item, "scope": "co-op", "coop": item["name"], "amendments": _refs(item)} for item in data["coops"]]
    rows += [{**base, **item, "scope": "person", "coop": (item["coop"] or {}).get("name", ""), "amendments": _refs(item)}
             for item in data["people"]]
    return export.to_csv(RELEASE_COLUMNS, rows)


def across_csv(data: dict[str, Any]) -> str:
    rows = [{**item, "standard": item["release"]["standard"]["title"], "version": item["release"]["number"],
             "ratified_at": item["release"]["ratified_at"] or "", "coop": (item["coop"] or {}).get("name", ""),
             "amendments": _refs(item)} for item in data["releases"]]
    return export.to_csv(ACROSS_COLUMNS, rows)
