"""The registry's rules: what a declaration may say, when it lapses, which evidence link is
acceptable, and what a re-affirmation must cover. Pure (standard library and deliberate.text).

A declaration is made by a member co-op for one ratified version of a standard: a *stance*
(adopts, aspires, does not adopt) and, per section, a *status* (met, partly, not met, not
applicable) with a short justification and an optional evidence link. It holds for the policy's
``declaration_months`` and then *lapses*; a newer declaration by the same co-op for the same
standard *supersedes* it.
"""
from __future__ import annotations

import calendar
import ipaddress
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from deliberate.text.diff import document_diff

from .codes import STANCES, STATES, STATUSES  # noqa: F401  (re-exported: the registry's codes)

MAX_EVIDENCE_URL = 500
MAX_JUSTIFICATION = 1000
MAX_NOTE = 2000


class RuleError(ValueError):
    """What was given breaks a rule; ``code`` says which (the services word it for people)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.field = field


# Time -----------------------------------------------------------------------------------------

def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months, the day clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expires_at(declared_at: datetime, months: int) -> datetime:
    """When a declaration made at ``declared_at`` lapses."""
    return add_months(declared_at, months)


def is_lapsed(declared_at: datetime, now: datetime, months: int) -> bool:
    """True once ``months`` have passed since the declaration (the expiry moment itself included)."""
    return now >= expires_at(declared_at, months)


def state(declared_at: datetime, now: datetime, months: int, superseded: bool) -> str:
    """current, lapsed or superseded (a newer declaration of the same co-op for the same standard
    replaces an older one whatever its age)."""
    if superseded:
        return "superseded"
    return "lapsed" if is_lapsed(declared_at, now, months) else "current"


# Evidence links -------------------------------------------------------------------------------

def check_evidence_url(url: str | None) -> str:
    """The link, trimmed ("" when none). Only https links to a named public host are accepted: no
    user name or password, no IP address, no local names, nothing but printable characters. The
    server never fetches it (readers follow it in their own browser), so this is about what we
    show, not about what we would reach."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_EVIDENCE_URL:
        raise RuleError("too_long", f"the evidence link is longer than {MAX_EVIDENCE_URL} characters", "evidence_url")
    if any(ch.isspace() or ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in url):
        raise RuleError("spaces", "the evidence link cannot contain spaces", "evidence_url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise RuleError("invalid", "the evidence link is not a web address", "evidence_url") from None
    if parts.scheme.lower() != "https":
        raise RuleError("scheme", "the evidence link must start with https://", "evidence_url")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RuleError("credentials", "the evidence link cannot hold a user name or password", "evidence_url")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RuleError("no_host", "the evidence link must name a site, like https://example.org/report",
                        "evidence_url")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise RuleError("address", "the evidence link must name a site, not a numeric address", "evidence_url")
    if "." not in host or host.endswith((".local", ".localhost", ".internal")) or host == "localhost":
        raise RuleError("local", "the evidence link must be a public site", "evidence_url")
    return url


# What a declaration says ----------------------------------------------------------------------

def check_claims(stance: str, claims: Mapping[str, Mapping[str, Any]], keys: Sequence[str],
                 required: Sequence[str] | None = None) -> dict[str, dict[str, str]]:
    """The per-section claims, cleaned: ``{key: {"status", "justification", "evidence_url"}}``.

    ``keys`` are the version's section keys (a claim on another key is refused); ``required``
    the keys that must have a claim (every key for a full declaration, the changed ones for a
    re-affirmation; none for "does not adopt"). A "met" or "partly" claim needs a justification."""
    if stance not in STANCES:
        raise RuleError("stance", "choose adopts, aspires or does not adopt", "stance")
    known = set(keys)
    cleaned: dict[str, dict[str, str]] = {}
    for key, claim in claims.items():
        if key not in known:
            raise RuleError("section", f"the version has no section {key!r}", f"sections.{key}")
        status = str(claim.get("status") or "")
        if not status:
            continue
        if status not in STATUSES:
            raise RuleError("status", "choose met, partly, not met or not applicable", f"sections.{key}.status")
        justification = " ".join(str(claim.get("justification") or "").split())
        if len(justification) > MAX_JUSTIFICATION:
            raise RuleError("justification_long", f"a justification is at most {MAX_JUSTIFICATION} characters",
                            f"sections.{key}.justification")
        if status in ("met", "partly") and not justification:
            raise RuleError("justification", "say briefly how the co-op meets this section",
                            f"sections.{key}.justification")
        try:
            evidence = check_evidence_url(claim.get("evidence_url"))
        except RuleError as error:
            raise RuleError(error.code, str(error), f"sections.{key}.evidence_url") from None
        cleaned[key] = {"status": status, "justification": justification, "evidence_url": evidence}
    if stance != "does_not_adopt":
        missing = [key for key in (keys if required is None else required) if key not in cleaned]
        if missing:
            raise RuleError("missing", f"say where the co-op stands on every section: {', '.join(missing)}",
                            f"sections.{missing[0]}")
    return {key: cleaned[key] for key in keys if key in cleaned}


# Re-affirmation -------------------------------------------------------------------------------

def changed_since(declared: Sequence[Mapping[str, Any]], current: Sequence[Mapping[str, Any]]
                  ) -> list[dict[str, Any]]:
    """What changed between the version a co-op declared (its sections: key, title, body) and a
    newer one: one entry per section added, changed or removed, in the new order, each with
    ``key``, ``status`` (added / changed / removed), ``title`` and the word diffs ``title_ops`` and
    ``body_ops``. A section only moved, or unchanged, is left out: the co-op's claim carries over."""
    out = []
    titles = {s["key"]: s["title"] for s in declared} | {s["key"]: s["title"] for s in current}
    for entry in document_diff(list(declared), list(current)):
        if entry["status"] in ("added", "changed", "removed"):
            out.append({"key": entry["key"], "status": entry["status"], "title": titles[entry["key"]],
                        "title_ops": entry["title_ops"], "body_ops": entry["body_ops"]})
    return out


def to_reaffirm(declared: Sequence[Mapping[str, Any]], current: Sequence[Mapping[str, Any]]) -> list[str]:
    """The keys of the new version's sections a co-op must declare again: added or changed ones."""
    return [e["key"] for e in changed_since(declared, current) if e["status"] != "removed"]


def carried_claims(previous: Mapping[str, Mapping[str, str]], declared: Sequence[Mapping[str, Any]],
                   current: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The claims of the earlier declaration that carry over to the new version unchanged: those on
    sections whose title and text did not change (moved sections included)."""
    changed = {e["key"] for e in changed_since(declared, current)}
    keys = [s["key"] for s in current]
    return {key: dict(previous[key]) for key in keys if key in previous and key not in changed}
