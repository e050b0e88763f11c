"""What the co-ops vote on here: the "version" subject (ratify a release candidate) and the
"maturity" subject (move a standard from draft to candidate, or from candidate to ratified).

Maturity moves only by its own vote, one step at a time, and a standard becomes "ratified" only
once it has a ratified version: ratifying a version never changes the maturity by itself, so
that "this text is agreed" and "this specification is now a standard of the network" stay two
decisions, each with its own record. Both are decided by the rule the standard's policy names
for versions (``policy.versions``).
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import notices
from ..errors import Conflict, NotFound
from ..extensions import db
from ..i18n import status_label
from ..policies import queries as policies
from ..realtime.events import record_event
from ..standards.models import Standard
from ..voting.subjects import SubjectHandler, TextPart
from . import document, services
from .models import Version

# The next step of a standard's maturity; nothing follows "ratified".
MATURITY_STEPS = {"draft": "candidate", "candidate": "ratified"}
MATURITY_MEANING = {
    "candidate": "a candidate standard: its text is complete enough for the member co-ops to try it out and "
                 "to ratify versions of it",
    "ratified": "a ratified standard of the network: the member co-ops hold it in common and cite its "
                "ratified versions",
}


def version_text(version: Version) -> str:
    """The canonical text of a version (exactly what its content hash covers)."""
    text = document.render(version.title, version.number, version.sections)
    if document.content_hash(text) != version.content_hash:
        raise Conflict(_("The text of version %(number)s does not match its content hash.", number=version.number))
    return text


class VersionHandler(SubjectHandler):
    kind = "version"
    label = _l("Ratification of a version")

    def load(self, subject_id: int) -> Version:
        version = db.session.get(Version, subject_id)
        if version is None:
            raise NotFound(_("No version with that number."))
        return version

    def title(self, subject: Version) -> str:
        return notices.RATIFY_TITLE(number=subject.number, title=subject.title)[:300]

    def frozen_text(self, subject: Version) -> str:
        # The vote record's text_hash is then the version's content hash: the changelog can bind them.
        return version_text(subject)

    def readable_text(self, text: str) -> list[TextPart]:
        """The version's sections, each under its number and title (the canonical Markdown's own
        headings and section markers would make a second page title inside the vote page)."""
        try:
            parsed = document.parse(text)
        except document.DocumentError:
            return super().readable_text(text)
        intro = TextPart(note=_("Version %(number)s of “%(title)s”, in full:", number=parsed.number, title=parsed.title))
        return [intro] + [TextPart(heading=f"{position}. {section['title']}", markdown=section["body"])
                          for position, section in enumerate(parsed.sections, start=1)]

    def standard_id(self, subject: Version) -> int:
        return subject.standard_id

    def terms(self, subject: Version) -> dict[str, Any]:
        return policies.terms(db.session.get(Standard, subject.standard_id), "version")

    def rule_preset(self, subject: Version) -> str:
        return self.terms(subject)["rule"]

    def check_can_open(self, subject: Version) -> None:
        services.check_can_decide(db.session, subject)

    def candidates(self) -> list[Version]:
        return list(db.session.scalars(select(Version).where(Version.state == "candidate").order_by(Version.id)))

    def on_open(self, session: Session, subject: Version, vote: Any) -> None:
        session.get(Version, subject.id).vote_id = vote.id

    def on_close(self, session: Session, subject: Version, vote: Any, outcome: Any) -> str:
        version = session.get(Version, subject.id)
        if outcome.passed:
            services.ratify_in(session, version, vote)
            return notices.VERSION_RATIFIED(number=version.number)
        services.fail_in(session, version, vote)
        return notices.VERSION_NOT_RATIFIED(number=version.number)

    def on_second_call(self, session: Session, subject: Version, vote: Any, second: Any) -> None:
        session.get(Version, subject.id).vote_id = second.id

    def on_cancel(self, session: Session, subject: Version, vote: Any) -> None:
        version = session.get(Version, subject.id)
        if version.state == "candidate":
            version.vote_id = None

    def link(self, subject: Version) -> tuple[str, dict[str, Any]]:
        standard = db.session.get(Standard, subject.standard_id)
        values: dict[str, Any] = {"slug": standard.slug, "ref": subject.number}
        if subject.state != "ratified":
            values["attempt"] = subject.attempt
        return "versions.show", values


def maturity_move(standard: Standard) -> tuple[str, str]:
    """(from, to) of the next maturity step; Conflict if there is none."""
    target = MATURITY_STEPS.get(standard.maturity)
    if target is None:
        raise Conflict(_("“%(title)s” is already %(maturity)s: its maturity has no further step.", title=standard.title,
                          maturity=status_label(standard.maturity)))
    return standard.maturity, target


def maturity_text(standard: Standard, latest: Version | None) -> str:
    """What a maturity vote decides, in words; its first line states the move exactly."""
    before, after = maturity_move(standard)
    lines = [f"Maturity of {standard.slug}: {before} -> {after}", "",
             f"The member co-ops decide that “{standard.title}” moves from {before} to {after}: it becomes "
             f"{MATURITY_MEANING[after]}."]
    if after == "ratified":
        if latest is None:
            raise Conflict(_("A standard becomes ratified on a ratified text: ratify a version first."))
        lines += ["", f"Its text is version {latest.number}, ratified on {latest.ratified_at:%Y-%m-%d} "
                      f"(sha256 {latest.content_hash}), and the versions ratified after it."]
    return "\n".join(lines) + "\n"


class MaturityHandler(SubjectHandler):
    kind = "maturity"
    label = _l("Maturity of a standard")

    def load(self, subject_id: int) -> Standard:
        standard = db.session.get(Standard, subject_id)
        if standard is None:
            raise NotFound(_("No standard with that number."))
        return standard

    def title(self, subject: Standard) -> str:
        before, after = maturity_move(subject)
        return notices.MATURITY_TITLE(title=subject.title, before=before, after=after)[:300]

    def frozen_text(self, subject: Standard) -> str:
        return maturity_text(subject, services.latest_ratified(db.session, subject.id))

    def standard_id(self, subject: Standard) -> int:
        return subject.id

    def terms(self, subject: Standard) -> dict[str, Any]:
        return policies.terms(subject, "version")

    def rule_preset(self, subject: Standard) -> str:
        return self.terms(subject)["rule"]

    def check_can_open(self, subject: Standard) -> None:
        self.frozen_text(subject)  # raises when there is no next step, or no ratified text for it

    def candidates(self) -> list[Standard]:
        return list(db.session.scalars(select(Standard).where(Standard.maturity.in_(list(MATURITY_STEPS))).order_by(Standard.title)))

    def on_close(self, session: Session, subject: Standard, vote: Any, outcome: Any) -> str:
        standard = session.get(Standard, subject.id, populate_existing=True)
        if not outcome.passed:
            return notices.MATURITY_STAYS(title=standard.title, maturity=standard.maturity)
        first_line = (vote.text or "").split("\n", 1)[0]
        before, after = maturity_move(standard)
        if first_line != f"Maturity of {standard.slug}: {before} -> {after}":
            raise Conflict(_("“%(title)s” is %(maturity)s now, not what this vote was about.", title=standard.title, maturity=status_label(standard.maturity)))
        standard.maturity = after
        record_event(session, "maturity_changed", f"standard:{standard.id}",
                     {"standard_id": standard.id, "from": before, "to": after, "vote_id": vote.id},
                     actor_id=vote.closed_by_id)
        return notices.MATURITY_NOW(title=standard.title, maturity=after)

    def link(self, subject: Standard) -> tuple[str, dict[str, Any]]:
        return "standards.show", {"slug": subject.slug}


# Registered by versions.init_app.
VERSIONS = VersionHandler()
MATURITY = MaturityHandler()
