"""Control characters are refused by the services, on SQLite and PostgreSQL, and nothing is stored.

NUL used to give a 500 on PostgreSQL and be stored on SQLite; other control characters were stored
in titles. Every service cleans its text with limits.clean_text, so each entry point (form, API,
socket) gets the same InvalidInput naming the field.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.discussions import services as discussions
from deliberate.errors import InvalidInput
from deliberate.members import services as members
from deliberate.proposals import services as proposals
from deliberate.standards import services as standards
from deliberate.voting import services as voting
from tests.authz_world import every_row

BAD = {"nul": "a\x00b", "bell": "a\x07b", "escape": "a\x1b[31mb", "c1": "a\x9bb"}


def _comment(network, text):
    discussions.post_comment(actor=network["delegate"], subject_kind="standard", subject_id=network["standard"].id,
                             body=text)


def _section_title(network, text):
    standards.add_section(actor=network["steward"], standard=network["standard"], title=text, body="Fine text.")


def _amendment_title(network, text):
    section = network["section"]
    proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                section=section, summary="Plainer words.", proposed_title=section.title,
                                proposed_body="Members own it, together.", name=text)


def _ballot_note(network, text):
    vote = voting.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                            rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
    before = every_row()
    with pytest.raises(InvalidInput) as refused:
        voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for", note=text)
    assert every_row() == before
    return refused


def _coop_name(network, text):
    members.register_coop(actor=network["steward"], name=text, country="ES", kind="worker")


CASES = {"comment body": (_comment, "body"), "section title": (_section_title, "title"),
         "amendment title": (_amendment_title, "name"), "ballot note": (_ballot_note, "note"),
         "co-op name": (_coop_name, "name")}


@pytest.mark.parametrize("bad", BAD, ids=list(BAD))
@pytest.mark.parametrize("case", CASES, ids=[c.replace(" ", "-") for c in CASES])
def test_control_characters_are_refused_and_nothing_is_stored(network, case, bad):
    write, field = CASES[case]
    if write is _ballot_note:  # the vote is opened first, then only the ballot is compared
        refused = write(network, BAD[bad])
    else:
        before = every_row()
        with pytest.raises(InvalidInput) as refused:
            write(network, BAD[bad])
        assert every_row() == before, f"{case}: something was stored"
    assert field in refused.value.field_errors, refused.value.field_errors
    assert "control character" in refused.value.message


@pytest.mark.parametrize("case", ["comment body", "ballot note"])
def test_line_breaks_and_tabs_stay_allowed_where_text_has_lines(network, case):
    write, _field = CASES[case]
    if write is _comment:
        write(network, "Two lines:\n\tindented\r\nand a CRLF.")
    else:
        vote = voting.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                                rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
        ballot = voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for", note="Item 4\n\tof our minutes")
        assert ballot.note == "Item 4\n\tof our minutes"


def test_a_title_refuses_a_line_break(network):
    with pytest.raises(InvalidInput) as refused:
        _section_title(network, "Two\nlines")
    assert "title" in refused.value.field_errors


def test_an_email_with_a_control_character_names_nobody_and_is_refused(network):
    """Looking a person up (sign-in, password reset, co-author) by an address holding NUL gave a
    500 on PostgreSQL; no stored address can hold one, so the answer is simply "nobody"."""
    assert members.find_person_by_email("delegate\x00@example.org") is None
    with pytest.raises(InvalidInput):
        members.normalise_email("dele\x00gate@example.org")
    with pytest.raises(InvalidInput) as refused:
        proposals.add_coauthor(actor=network["delegate"], amendment=_an_amendment(network), email="x\x00y@example.org")
    assert "email" in refused.value.field_errors


def _an_amendment(network):
    section = network["section"]
    return proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                       section=section, summary="Plainer words.", proposed_title=section.title,
                                       proposed_body="Members own it, together.")


def test_a_stewards_adoption_note_is_cleaned_too(network):
    from deliberate.extensions import db
    from deliberate.proposals import adoption

    standard = network["standard"]
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    section = network["section"]
    amendment = proposals.propose_amendment(actor=network["delegate"], standard=standard, kind="modify",
                                            section=section, summary="Plainer words.", proposed_title=section.title,
                                            proposed_body="Members own it, together, always.")
    amendment = proposals.open_amendment(actor=network["delegate"], amendment=amendment)
    before = every_row()
    with pytest.raises(InvalidInput):
        adoption.adopt_directly(actor=network["steward"], amendment=amendment, note="ok\x07\x1b[31mred\x00")
    assert every_row() == before


def test_a_quote_anchored_to_a_key_with_a_control_character_is_not_from_this_text(network):
    before = every_row()
    with pytest.raises(InvalidInput):
        discussions.post_comment(actor=network["delegate"], subject_kind="standard", subject_id=network["standard"].id,
                                 body="About this.", quote="Members", anchor={"section_key": "a\x00b"})
    assert every_row() == before


@pytest.mark.parametrize("url", ["https://example.org/a\x7fb", "https://example.org/a\x9b31m"])
def test_a_webhook_address_with_a_control_character_is_refused(url):
    from deliberate.webhooks import signing

    with pytest.raises(signing.UnsafeURL):
        signing.check_url(url, allow_private=False)
