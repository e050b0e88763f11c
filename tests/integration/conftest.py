"""Integration fixtures shared by several modules (each module may still define its own)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.personal_data import EMAIL, NAME, T0

ONE_SECTION_TEXT = "Members own the platform together.\n\nNew members may join at any time."


@pytest.fixture
def one_section(steward, make_standard, make_delegate, make_coop):
    """A standard with one section ("Member ownership", ONE_SECTION_TEXT), three delegates of three
    member co-ops and a steward: the setting of the amendment-vote and policy-term tests."""
    from deliberate.standards import services as standards

    standard = make_standard(sections=[("Member ownership", ONE_SECTION_TEXT)])
    delegates = [make_delegate(coop=make_coop(name=f"Co-op {n}"), name=f"Delegate {n}") for n in range(3)]
    return {"standard": standards.get_standard(standard.slug), "delegates": delegates, "steward": steward}


@pytest.fixture
def world(steward, make_coop, make_delegate, make_standard):
    """Zephyrine (delegate of Kazi Riders) has written, voted, commented, followed and co-authored.

    The personal data that test_erasure.py and test_export.py look for."""
    from deliberate.discussions import presence
    from deliberate.discussions import services as discussions
    from deliberate.extensions import db
    from deliberate.follows import services as follows
    from deliberate.members import services as members
    from deliberate.proposals import services as proposals
    from deliberate.standards import services as standards
    from deliberate.voting import closing
    from deliberate.voting import services as voting
    from deliberate.voting.models import Vote

    kazi, mesa = make_coop(name="Kazi Riders"), make_coop(name="Mesa Data")
    zephyrine = make_delegate(coop=kazi, name=NAME, email=EMAIL)
    other = make_delegate(coop=mesa, name="Otto Other", email="otto@example.org")
    standard = make_standard(title="Member Data Rights")
    section = standard.sections[0]
    revision = standards.revise_section(actor=zephyrine, section=section, title=section.title,
                                        body="Members own the platform, together.", message="Say together",
                                        base_revision_id=section.head_revision_id)
    amendment = proposals.propose_amendment(actor=zephyrine, standard=standard, kind="modify",
                                            section=standard.sections[1], summary="Add portability", proposed_title="Data rights",
                                            proposed_body="Members own their data and can take it away.")
    proposals.add_coauthor(actor=zephyrine, amendment=amendment, email="otto@example.org")
    comment = discussions.post_comment(actor=zephyrine, subject_kind="section", subject_id=section.id,
                                       body="I think *together* matters.", quote="Members own")
    discussions.edit_comment(actor=zephyrine, comment_id=comment.id, body="I think *together* matters a lot.")
    reply = discussions.post_comment(actor=other, subject_kind="section", subject_id=section.id,
                                     body="Agreed.", parent_id=comment.id)
    follows.follow_standard(actor=zephyrine, standard=standard)
    members.invite_delegate(actor=zephyrine, coop=kazi, email="friend@example.org")
    applicant = make_coop("applicant", name="New Co-op")
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                            rule_preset="simple-majority", closes_at=T0 + timedelta(days=7), now=T0)
    voting.cast_ballot(actor=zephyrine, vote=vote, choice="for", note="Our assembly agreed", now=T0 + timedelta(hours=1))
    voting.cast_ballot(actor=other, vote=vote, choice="for", now=T0 + timedelta(hours=2))
    closing.close_vote(actor=voting.SYSTEM, vote=vote, now=T0 + timedelta(days=7))
    presence.enter("standard:%d" % standard.id, "sid-z", presence.Reader(zephyrine.id, NAME))
    return {"z": zephyrine, "other": other, "kazi": kazi, "standard": standard, "revision": revision,
            "amendment": amendment, "comment": comment, "reply": reply, "vote": db.session.get(Vote, vote.id)}
