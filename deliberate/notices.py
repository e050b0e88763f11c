"""Sentences the platform writes into stored texts: notes on an amendment's timeline and drafts, a vote's
effect note and cancel reason, the titles it gives votes, a version's decision note.

They are stored in English, as they always were: some are part of published, hash-chained records (a
cancelled vote's reason, a vote's title), and the API, feeds and command line show them as stored. Each
is a :class:`Notice` here: the writer calls it to get the English text (``REBASED(number="3")``), and a
page shows a stored text with ``i18n.say_notice(text)``, which recognises the notice it came from (the
whole text, each value of the kind its notice says) and says it in the reader's language. A text that is
no notice (a note a person wrote, an older wording) is shown as it is.

Pure: no Flask. The English sentences are marked with ``N_`` for extraction.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .translatable import N_, Code, Message, Percent


@dataclass(frozen=True)
class Kind:
    """What a value in a notice may be: the pattern it matches, and what a page shows for it."""

    pattern: str
    value: Callable[[str], Any] = str


def _share(text: str) -> Percent:
    return Percent(Fraction(text[:-1]) / 100) if text.endswith("%") else Percent(Fraction(text))


REF = Kind(r"A\d+")  # an amendment's reference
NUMBER = Kind(r"\d+")  # a vote's or a revision's number: shown as written
VERSION = Kind(r"\d+\.\d+")  # a version number
SHARE = Kind(r"\d+%|\d+/\d+", _share)  # a quorum, as rules.percent_text writes it
STATE = Kind(r"[a-z][a-z_-]*", Code)  # a stored code (state, maturity): shown with its label
TEXT = Kind(r".+?")  # a name or a message: shown as it is
TITLE = Kind(r".+?", lambda text: recognise(text) or text)  # a title, which may itself be a notice's


class Notice:
    """One sentence with named values, e.g. ``Notice(N_("Rebased onto revision %(number)s."), number=NUMBER)``."""

    def __init__(self, msgid: str, **kinds: Kind):
        self.msgid, self.kinds = msgid, kinds
        named = set(re.findall(r"%\((\w+)\)s", msgid))
        if named != set(kinds):
            raise ValueError(f"notice {msgid!r}: values {sorted(named)} but kinds for {sorted(kinds)}")
        parts, at = [], 0
        seen: set[str] = set()
        for match in re.finditer(r"%\((\w+)\)s", msgid):
            parts.append(re.escape(msgid[at:match.start()]))
            name = match.group(1)
            # A value named twice must be the same both times.
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{kinds[name].pattern})")
            seen.add(name)
            at = match.end()
        parts.append(re.escape(msgid[at:]))
        self.pattern = re.compile("".join(parts), re.S)
        # How much of the sentence is fixed words: when two notices match a text, the one that says more wins.
        self.specificity = len(re.sub(r"%\(\w+\)s", "", msgid))

    def __call__(self, **values: Any) -> str:
        """The English text to store."""
        return self.message(**values).english()

    def message(self, **values: Any) -> Message:
        """The notice as a message, with these values."""
        return Message(self.msgid, values)

    def recognise(self, text: str) -> Message | None:
        """The message ``text`` was written from, if it is this notice."""
        match = self.pattern.fullmatch(text)
        if match is None:
            return None
        return Message(self.msgid, {name: self.kinds[name].value(value) for name, value in match.groupdict().items()})

    def __repr__(self) -> str:
        return f"Notice({self.msgid!r})"


NOTICES: list[Notice] = []


def notice(msgid: str, **kinds: Kind) -> Notice:
    """Declare a notice (and list it, so that stored texts can be recognised)."""
    made = Notice(msgid, **kinds)
    NOTICES.append(made)
    return made


def recognise(text: str | None) -> Message | None:
    """The notice a stored text was written from, as a message; None for any other text. If several
    match ("“X” stays draft." is also "%(name)s stays %(status)s."), the most specific one."""
    if not text:
        return None
    if len(_BY_SPECIFICITY) != len(NOTICES):
        _BY_SPECIFICITY[:] = sorted(NOTICES, key=lambda candidate: -candidate.specificity)
    for candidate in _BY_SPECIFICITY:
        found = candidate.recognise(text)
        if found is not None:
            return found
    return None


_BY_SPECIFICITY: list[Notice] = []


# -- A section's revisions (their messages) --------------------------------------------------------

SECTION_CREATED = notice(N_("Section created"))

# -- Why a version has its number (versions/numbering.py) -------------------------------------------

FIRST_VERSION = notice(N_("The first version of the standard."))
LEVEL_CHOSEN = notice(N_("A steward chose a %(chosen)s version (the changes alone would make it %(level)s)."),
                      chosen=STATE, level=STATE)
PRINCIPLE_ADDED = notice(N_("The principle “%(title)s” was added."), title=TEXT)
PRINCIPLE_REMOVED = notice(N_("The principle “%(title)s” was removed."), title=TEXT)
EDITORIAL_ADDED = notice(N_("The editorial section “%(title)s” was added."), title=TEXT)
EDITORIAL_REMOVED = notice(N_("The editorial section “%(title)s” was removed."), title=TEXT)
GUIDANCE_ADDED = notice(N_("The guidance section “%(title)s” was added."), title=TEXT)
GUIDANCE_REMOVED = notice(N_("The guidance section “%(title)s” was removed."), title=TEXT)
EDITORIAL_MOVED = notice(N_("The editorial section “%(title)s” was moved."), title=TEXT)
MOVED = notice(N_("“%(title)s” was moved."), title=TEXT)
EDITORIAL_EDITED = notice(N_("The editorial section “%(title)s” was edited."), title=TEXT)
UNCHANGED = notice(N_("“%(title)s” is unchanged."), title=TEXT)
TYPO_FIXES = notice(N_("Typo fixes in “%(title)s”."), title=TEXT)
RETITLED = notice(N_("“%(old)s” was retitled “%(new)s”."), old=TEXT, new=TEXT)
REWORDED = notice(N_("“%(title)s” was reworded."), title=TEXT)

# -- An amendment's timeline and drafts (proposals) ------------------------------------------------

ADOPTED_BY_STEWARD = notice(N_("Adopted by a steward under the standard's policy."))
ADOPTED_INSTEAD = notice(N_("%(reference)s was adopted instead."), reference=REF)
ALREADY_SAID = notice(N_("The text now already says what this amendment proposed."))
BROUGHT_UP_TO_DATE = notice(N_("Brought up to date with revision %(number)s of the section."), number=NUMBER)
REBASED = notice(N_("Rebased onto revision %(number)s."), number=NUMBER)
REMOVAL_OUTDATED = notice(N_("The section was changed after this removal was proposed: confirm that it should still "
                             "be removed."))
SAME_PLACE = notice(N_("Another change was adopted in the same place."))
SECTION_REMOVED = notice(N_("The section was removed."))
ADOPTED_BY_VOTE = notice(N_("Adopted by vote %(vote)s."), vote=NUMBER)
NOT_ADOPTED_BY_VOTE = notice(N_("Not adopted by vote %(vote)s."), vote=NUMBER)
VOTE_CANCELLED = notice(N_("Vote %(vote)s was cancelled."), vote=NUMBER)
STATUS_QUO_WON = notice(N_("The status quo won vote %(vote)s."), vote=NUMBER)
CHOSEN_BY_VOTE = notice(N_("Chosen by ranked vote %(vote)s."), vote=NUMBER)

# Why a vote on an amendment was cancelled (its record's "cancelled" entry and the amendment's timeline).
ORDER_SHIFTED = notice(N_("%(adopted)s was adopted and changed the order of the sections, so the place %(reference)s "
                          "names has shifted: it must be checked and put to a vote again."), adopted=REF, reference=REF)
BASE_CHANGED_SUPERSEDED = notice(N_(
    "%(adopted)s was adopted and changed the section under %(reference)s (now revision %(number)s): the section now "
    "already says what %(reference)s proposed, so %(reference)s is superseded."), adopted=REF, reference=REF, number=NUMBER)
BASE_CHANGED_REBASED = notice(N_(
    "%(adopted)s was adopted and changed the section under %(reference)s (now revision %(number)s): %(reference)s was "
    "brought up to date and must be put to a vote again on its new text."), adopted=REF, reference=REF, number=NUMBER)
OTHER_CHANGE_SUPERSEDED = notice(N_(
    "another change was adopted and changed the section under %(reference)s (now revision %(number)s): the section "
    "now already says what %(reference)s proposed, so %(reference)s is superseded."), reference=REF, number=NUMBER)
OTHER_CHANGE_REBASED = notice(N_(
    "another change was adopted and changed the section under %(reference)s (now revision %(number)s): %(reference)s "
    "was brought up to date and must be put to a vote again on its new text."), reference=REF, number=NUMBER)
DRAFT_EDITED_SUPERSEDED = notice(N_(
    "the section's draft was edited and changed the section under %(reference)s (now revision %(number)s): the "
    "section now already says what %(reference)s proposed, so %(reference)s is superseded."), reference=REF,
    number=NUMBER)
DRAFT_EDITED_REBASED = notice(N_(
    "the section's draft was edited and changed the section under %(reference)s (now revision %(number)s): "
    "%(reference)s was brought up to date and must be put to a vote again on its new text."), reference=REF,
    number=NUMBER)
SECTION_REMOVED_UNDER = notice(N_("%(removed_by)s was adopted and removed the section under %(reference)s, which is "
                                  "superseded."), removed_by=REF, reference=REF)
BECAME_CONFLICTED = notice(N_("%(reference)s became conflicted: its text must be brought up to date."), reference=REF)

# -- What a closed vote did (its effect note) --------------------------------------------------------

SUBJECT_GONE = notice(N_("What was voted on no longer exists, so the result could not be carried out."))
SECOND_CALL_EFFECT = notice(N_("Only the quorum failed, so the question is called a second time (vote %(vote)s), "
                               "with quorum %(share)s."), vote=NUMBER, share=SHARE)
NOT_CARRIED_OUT = notice(N_("The result could not be carried out: %(error)s"), error=TEXT)
AMENDMENT_WAS = notice(N_("%(reference)s was %(state)s when the vote closed; nothing changed."), reference=REF,
                       state=STATE)
AMENDMENT_ADOPTED = notice(N_("%(reference)s was adopted: the section has a new revision."), reference=REF)
AMENDMENT_NOT_ADOPTED = notice(N_("%(reference)s was not adopted; the text stays as it was."), reference=REF)
NONE_BEAT = notice(N_("None of the competing amendments beat the current text; it stays as it was."))
CHOSEN_AND_ADOPTED = notice(N_("%(reference)s was chosen and adopted; the others are superseded."), reference=REF)
COOP_NOW_MEMBER = notice(N_("%(name)s is now a member."), name=TEXT)
COOP_STAYS = notice(N_("%(name)s stays %(status)s."), name=TEXT, status=STATE)
VERSION_RATIFIED = notice(N_("Version %(number)s is ratified and published in the changelog."), number=VERSION)
VERSION_NOT_RATIFIED = notice(N_("Version %(number)s was not ratified; the candidate is kept, and a new one may be "
                                 "assembled."), number=VERSION)
MATURITY_STAYS = notice(N_("“%(title)s” stays %(maturity)s."), title=TEXT, maturity=STATE)
MATURITY_NOW = notice(N_("“%(title)s” is now %(maturity)s."), title=TEXT, maturity=STATE)

# -- Titles the platform gives votes (in the ballot record) ------------------------------------------

SECOND_CALL_TITLE = notice(N_("Second call: %(title)s"), title=TITLE)
ADMIT_TITLE = notice(N_("Admit %(name)s as a member"), name=TEXT)
RATIFY_TITLE = notice(N_("Ratify version %(number)s of %(title)s"), number=VERSION, title=TEXT)
MATURITY_TITLE = notice(N_("Move “%(title)s” from %(before)s to %(after)s"), title=TEXT, before=STATE, after=STATE)

# -- Why a webhook delivery failed (webhooks/delivery.py) ----------------------------------------------

HOST_NOT_FOUND = notice(N_("Could not find the host %(host)s."), host=TEXT)
HOST_PRIVATE = notice(N_("Refused: %(host)s is a private or local address."), host=TEXT)
REDIRECT_NOT_FOLLOWED = notice(N_("Redirect to %(where)s not followed."), where=TEXT)
RECEIVER_ANSWERED = notice(N_("The receiver answered %(status)s %(reason)s."), status=NUMBER, reason=TEXT)
NO_ANSWER = notice(N_("No answer within %(seconds)s seconds."), seconds=TEXT)
TLS_FAILED = notice(N_("Secure connection failed: %(reason)s."), reason=TEXT)
CONNECTION_REFUSED = notice(N_("Connection refused."))
NOT_DELIVERED = notice(N_("Could not deliver: %(error)s"), error=TEXT)
TURNED_OFF_AFTER_FAILURES = notice(N_("The webhook was turned off after repeated failures."))
TURNED_OFF = notice(N_("The webhook was turned off."))

# -- Other decisions -----------------------------------------------------------------------------------

REPLACED_BY_BALLOT = notice(N_("Replaced by a new ballot."))  # an objection ended by the co-op's new ballot

ADMITTED_BY_VOTE = notice(N_("Admitted by vote %(vote)s."), vote=NUMBER)
RATIFIED_BY_VOTE = notice(N_("Ratified by vote %(vote)s."), vote=NUMBER)
# The explanation is the vote's (pages say it again from the vote: voting/wording.decision_text).
NOT_RATIFIED_NOTE = notice(N_("Not ratified by vote %(vote)s: %(explanation)s"), vote=NUMBER, explanation=TEXT)
WITHDRAWN_NOTE = notice(N_("Withdrawn by a steward: %(reason)s"), reason=TEXT)
