"""Who may do what with amendments. Predicates only: no queries beyond loaded relations."""
from __future__ import annotations

from ..members.permissions import is_steward
from .states import allowed_actions


def _signed_in(person) -> bool:
    return person is not None and getattr(person, "is_authenticated", False)


def is_author(person, amendment) -> bool:
    """The proposer or a co-author, while they still act for a member co-op."""
    if not _signed_in(person) or not person.acting_coops:
        return False
    return amendment.author_id == person.id or any(c.person_id == person.id for c in amendment.coauthors)


def can_read(person, amendment) -> bool:
    """Drafts are private to their authors and the stewards, and stay so if they become conflicted,
    are withdrawn or superseded before they were ever opened; everything else is public."""
    if not amendment.is_private:
        return True
    if is_steward(person):
        return True
    if not _signed_in(person):
        return False
    return amendment.author_id == person.id or any(c.person_id == person.id for c in amendment.coauthors)


def can_propose(person) -> bool:
    """Delegates acting for a member co-op propose amendments; stewards may too (editorial)."""
    return _signed_in(person) and (bool(person.acting_coops) or is_steward(person))


def can_edit(person, amendment) -> bool:
    # A policy amendment is not edited: its authors withdraw it and propose again from the policy page.
    if amendment.kind == "policy":
        return False
    return "edit" in allowed_actions(amendment.state) and (is_author(person, amendment) or
                                                          (is_steward(person) and amendment.author_id == person.id))


def can_open(person, amendment) -> bool:
    return amendment.state == "draft" and (is_author(person, amendment) or
                                           (is_steward(person) and amendment.author_id == person.id))


def can_withdraw(person, amendment) -> bool:
    return "withdraw" in allowed_actions(amendment.state) and (is_author(person, amendment) or
                                                              (is_steward(person) and amendment.author_id == person.id))


def can_resolve(person, amendment) -> bool:
    return amendment.state == "conflicted" and (is_author(person, amendment) or is_steward(person))


def can_add_coauthor(person, amendment) -> bool:
    return amendment.state in ("draft", "open", "conflicted") and amendment.author_id == getattr(person, "id", None) \
        and is_author(person, amendment)


def can_adopt_directly(person, amendment, steward_may_adopt: bool) -> bool:
    """A steward adopts without a vote only where the standard's policy allows it."""
    return is_steward(person) and steward_may_adopt and amendment.state == "open"


def can_group(person) -> bool:
    """Stewards group competing amendments so that they are decided together."""
    return is_steward(person)


def can_put_to_vote(person, amendment) -> bool:
    """Stewards open the vote on an open amendment that competes with none (the vote form checks
    the rest); a competing one is decided by its group's ranked vote (:func:`can_put_group_to_vote`)."""
    return is_steward(person) and amendment.state == "open" and amendment.group_id is None


def can_put_group_to_vote(person, live_amendments) -> bool:
    """Stewards open the ranked vote of a group while at least two of its amendments are open."""
    return is_steward(person) and sum(1 for a in live_amendments if a.state == "open") >= 2
