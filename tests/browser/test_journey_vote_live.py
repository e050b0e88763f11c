"""Journey: an observer watches an open vote; a co-op's ballot updates the turnout without a reload."""
from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.browser


def test_turnout_is_live(browser_page, wait_for_live_rooms, steward, make_coop, make_delegate):
    from playwright.sync_api import expect

    from deliberate.database import utcnow
    from deliberate.voting import services as voting

    delegates = [make_delegate(coop=make_coop(name=f"Co-op {n}")) for n in range(3)]
    applicant = make_coop("applicant", name="Newcomers")
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                            rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=3))
    page = browser_page
    page.goto(f"/votes/{vote.id}")
    wait_for_live_rooms(page)
    expect(page.locator("#vote-turnout strong")).to_have_text("0 of 3")
    voting.cast_ballot(actor=delegates[0], vote=vote, choice="for")
    expect(page.locator("#vote-turnout strong")).to_have_text("1 of 3")
