"""Specification → standard: the maturity of each section of a ratified version. Pure.

A section of a ratified version is a **specification** until at least ``evidence_coops``
independent member co-ops declare it *met* with an evidence link, in declarations still in force
(not lapsed, not superseded); it is then a **standard**. A section still short of that evidence
``at_risk_months`` after the version was ratified is **at risk**. The function receives the
claims; it never queries (the services gather them).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .rules import add_months
from .terms import RegistryTerms

MATURITIES = ("specification", "standard", "at_risk")


@dataclass(frozen=True)
class Claim:
    """One co-op's claim on one section, as a declaration in force states it."""

    coop_id: int
    key: str
    status: str
    evidence_url: str = ""
    in_force: bool = True  # False for a lapsed or superseded declaration
    member: bool = True  # the co-op is a member of the network (suspended and departed ones do not count)

    @property
    def counts(self) -> bool:
        """Whether this claim is evidence towards the section becoming a standard."""
        return self.in_force and self.member and self.status == "met" and bool(self.evidence_url)


@dataclass(frozen=True)
class SectionTrack:
    """Where one section stands: its maturity, the co-ops whose claims count, how many are needed."""

    key: str
    maturity: str
    coop_ids: tuple[int, ...]
    needed: int
    at_risk_from: datetime
    missing: int = field(default=0)


def at_risk_from(ratified_at: datetime, terms: RegistryTerms) -> datetime:
    """From when a section short of evidence is at risk."""
    return add_months(ratified_at, terms.at_risk_months)


def maturity(count: int, ratified_at: datetime, now: datetime, terms: RegistryTerms) -> str:
    """standard when ``count`` independent co-ops have evidence; otherwise at_risk once the
    period after ratification has passed, and specification before."""
    if count >= terms.evidence_coops:
        return "standard"
    return "at_risk" if now >= at_risk_from(ratified_at, terms) else "specification"


def tracks(keys: Sequence[str], claims: Iterable[Claim], ratified_at: datetime, now: datetime,
           terms: RegistryTerms) -> dict[str, SectionTrack]:
    """Each section's track, in the version's order. Co-ops are counted once per section however
    many declarations name them (independence: one co-op, one voice)."""
    by_key: dict[str, set[int]] = {key: set() for key in keys}
    for claim in claims:
        if claim.key in by_key and claim.counts:
            by_key[claim.key].add(claim.coop_id)
    start = at_risk_from(ratified_at, terms)
    return {key: SectionTrack(key=key, maturity=maturity(len(by_key[key]), ratified_at, now, terms),
                              coop_ids=tuple(sorted(by_key[key])), needed=terms.evidence_coops,
                              at_risk_from=start, missing=max(0, terms.evidence_coops - len(by_key[key])))
            for key in keys}
