"""A version as a download: its canonical Markdown, standalone HTML that prints well, and JSON.

The Markdown *is* the canonical text (document.render): its SHA-256 is the content hash that
the citation line shows, so anyone can check a downloaded file with ``sha256sum``.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..policies.queries import policy_for
from ..translatable import M_, Code, Message
from ..voting.ledger import format_at
from .queries import VersionPage
from .subjects import version_text

# The standalone page's only style, inline (no external assets); allowed by its hash in the CSP.
STANDALONE_CSS = """
body { font-family: Georgia, "Times New Roman", serif; color: #111; background: #fff; max-width: 44rem;
  margin: 2rem auto; padding: 0 1rem; line-height: 1.55; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 1.8rem; }
.meta, .citation { color: #333; font-size: .92rem; }
.citation { border-left: 4px solid #999; padding: .3rem .8rem; background: #f6f6f6; word-break: break-word; }
.para { display: flex; gap: .6rem; }
.para-number { color: #666; min-width: 2.2rem; font-size: .85rem; padding-top: .2rem; }
nav ol { padding-left: 1.4rem; } code { word-break: break-all; }
@media print { body { margin: 0; max-width: none; } nav { display: none; } a { color: inherit; text-decoration: none; }
  section { break-inside: avoid-page; } }
""".strip()
STANDALONE_CSP = ("default-src 'none'; style-src 'sha256-"
                  + base64.b64encode(hashlib.sha256(STANDALONE_CSS.encode()).digest()).decode()
                  + "'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def markdown(page: VersionPage) -> str:
    """The version's canonical Markdown (the bytes its content hash covers)."""
    return version_text(page.version)


def filename(page: VersionPage, extension: str) -> str:
    return f"{page.standard.slug}-v{page.version.number}.{extension}"


def citation(page: VersionPage, url: str) -> Message:
    """How to cite the version: title, number, date, address and content hash (``i18n.say`` words it in
    the reader's language, ``.english()`` in English)."""
    version = page.version
    values = {"title": version.title, "number": version.number, "url": url, "hash": version.content_hash}
    if version.ratified_at:
        return M_("%(title)s, version %(number)s (ratified %(date)s). %(url)s — SHA-256 %(hash)s",
                  date=version.ratified_at, **values)
    return M_("%(title)s, version %(number)s (%(state)s, not ratified). %(url)s — SHA-256 %(hash)s",
              state=Code(version.state), **values)


def json_data(page: VersionPage, urls: dict[str, str]) -> dict[str, Any]:
    """Everything about a version as plain JSON: its text, sections, amendments and vote."""
    version, vote = page.version, page.vote
    return {
        "standard": {"slug": page.standard.slug, "title": version.title, "maturity": page.standard.maturity,
                     "policy": policy_for(page.standard)},
        "version": version.number,
        "attempt": version.attempt,
        "state": version.state,
        "level": version.level,
        "level_reasons": list(version.level_reasons or []),
        "summary": version.summary,
        "created_at": format_at(version.created_at),
        "ratified_at": format_at(version.ratified_at) if version.ratified_at else None,
        "content_hash": version.content_hash,
        "sections": [{"key": s.key, "position": s.position, "kind": s.kind, "title": s.title, "body": s.body,
                      "revision_id": s.revision_id} for s in page.sections],
        "amendments": [{"id": a.id, "ref": a.reference, "kind": a.kind, "title": a.title, "summary": a.summary,
                        "rationale": a.rationale, "change_kind": a.change_kind, "terms": a.terms}
                       for a in page.amendments],
        "vote": None if vote is None else {
            "id": vote.id, "state": vote.state, "passed": vote.passed, "explanation": vote.explanation,
            "rule_preset": vote.rule_preset, "terms": vote.terms, "text_hash": vote.text_hash,
            "record": urls.get("record")},
        "changelog_entry_hash": page.entry.hash if page.entry else None,
        "links": urls,
    }


__all__ = ["STANDALONE_CSP", "STANDALONE_CSS", "citation", "filename", "json_data", "markdown"]
