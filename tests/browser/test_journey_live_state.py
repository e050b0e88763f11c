"""Journeys: pages that follow the state they show (issue 16, "Pages that lie or go stale").

A delegate's vote page switches to closed, says the result and disables its ballot form when a
steward closes the vote in another browser; an amendment's page shows its vote opening; a page
whose connection dropped catches up on what happened while it was away.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.support import blocking_violations, sign_in
from tests.live_server import wait_until

pytestmark = pytest.mark.browser

RELOAD = "Reload the page to see it as it is now."


def admission_vote(steward, make_coop, **options):
    from deliberate.database import utcnow
    from deliberate.voting import services as voting

    applicant = make_coop("applicant", name="Newcomers")
    return voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                            rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=3), **options)


def test_a_vote_page_closes_live_when_a_steward_closes_the_vote_in_another_browser(
        new_page, wait_for_live_rooms, steward, make_coop, make_delegate):
    from playwright.sync_api import expect

    from deliberate.voting import services as voting
    from tests.conftest import TEST_PASSWORD

    first = make_delegate(coop=make_coop(name="Kazi Riders"))
    second = make_delegate(coop=make_coop(name="Dades Comunes"))
    vote = admission_vote(steward, make_coop)
    voting.cast_ballot(actor=first, vote=vote, choice="for")

    # The second co-op's delegate reads the vote, about to cast its ballot.
    reader = new_page(bypass_csp=True)  # axe is injected below; the pages' CSP would refuse it
    sign_in(reader, second.email, TEST_PASSWORD)
    reader.goto(f"/votes/{vote.id}")
    wait_for_live_rooms(reader)
    ballot = reader.locator(f'form[action="/votes/{vote.id}/ballot"]')
    record = ballot.get_by_role("button", name="Record my co-op's ballot")
    expect(record).to_be_enabled()
    expect(reader.locator("h1 .badge")).to_have_text("open")

    # A steward closes it from another browser.
    stewarding = new_page()
    sign_in(stewarding, steward.email, TEST_PASSWORD)
    stewarding.goto(f"/votes/{vote.id}")
    wait_for_live_rooms(stewarding)
    stewarding.get_by_role("button", name="Close the vote now").click()
    expect(stewarding.get_by_role("heading", name="Result: adopted")).to_be_visible()

    # The reader's page says so at once, without a reload.
    expect(reader.locator("h1 .badge")).to_have_text("closed")
    notice = reader.get_by_role("status").filter(has_text="This vote has closed")
    expect(notice).to_contain_text("This vote has closed. Result: adopted.")
    expect(notice.get_by_role("link", name=RELOAD)).to_be_visible()
    expect(record).to_be_disabled()
    for choice in ballot.get_by_role("radio").all():
        expect(choice).to_be_disabled()
    reason = reader.locator("#ballot .live-closed")  # said above the form it closes
    expect(reason).to_have_text("This vote has closed: ballots are no longer accepted.")
    expect(reason).to_be_visible()
    assert record.get_attribute("aria-describedby") == reason.get_attribute("id")
    assert blocking_violations(reader, "the vote page, closed live") == []

    # The link reads the page again: the result, and no ballot form any more.
    notice.get_by_role("link", name=RELOAD).click()
    expect(reader.get_by_role("heading", name="Result: adopted")).to_be_visible()
    expect(reader.locator(f'form[action="/votes/{vote.id}/ballot"]')).to_have_count(0)
    wait_for_live_rooms(reader)


def test_an_amendment_page_shows_a_vote_opening_on_it(new_page, wait_for_live_rooms, steward, make_coop,
                                                      make_delegate, make_standard):
    from playwright.sync_api import expect

    from deliberate.database import utcnow
    from deliberate.proposals import services as proposals
    from deliberate.voting import services as voting
    from tests.conftest import TEST_PASSWORD

    author = make_delegate(coop=make_coop(name="Kazi Riders"))
    standard = make_standard()
    section = standard.sections[0]
    amendment = proposals.propose_amendment(actor=author, standard=standard, kind="modify", section=section,
                                            summary="Say it plainly.", proposed_title=section.title,
                                            proposed_body=section.body + "\n\nAnd say it plainly.")
    amendment = proposals.open_amendment(actor=author, amendment=amendment)

    page = new_page()
    sign_in(page, author.email, TEST_PASSWORD)
    page.goto(f"/standards/{standard.slug}/amendments/{amendment.id}")
    wait_for_live_rooms(page)
    expect(page.locator("h1 .badge")).to_contain_text("open")
    withdraw = page.get_by_role("button", name="Withdraw this amendment")
    expect(withdraw).to_be_enabled()

    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=amendment.id,
                            rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))

    expect(page.locator("h1 .badge")).to_contain_text("voting")
    notice = page.get_by_role("status").filter(has_text="This amendment is now voting.")
    expect(notice).to_contain_text(f"Vote {vote.id} has opened on this.")
    expect(notice.get_by_role("link", name=RELOAD)).to_be_visible()
    expect(withdraw).to_be_disabled()
    expect(page.get_by_text("This amendment is now voting: reload to see what you can do now.")).to_be_visible()


def test_the_list_of_votes_says_when_a_vote_opens_closes_or_is_cancelled(new_page, wait_for_live_rooms, steward,
                                                                           make_coop, make_delegate, make_standard):
    """An observer on /votes/ is told of votes on admissions (the network's room) and on a
    standard's amendments (the standard's room) as they open, close or are cancelled."""
    from playwright.sync_api import expect

    from deliberate.database import utcnow
    from deliberate.proposals import services as proposals
    from deliberate.voting import closing
    from deliberate.voting import services as voting

    author = make_delegate(coop=make_coop(name="Kazi Riders"))
    standard = make_standard()
    section = standard.sections[0]
    amendment = proposals.open_amendment(actor=author, amendment=proposals.propose_amendment(
        actor=author, standard=standard, kind="modify", section=section, summary="Plainer.",
        proposed_title=section.title, proposed_body=section.body + "\n\nPlainly."))

    page = new_page()
    page.goto("/votes/")
    wait_for_live_rooms(page)
    notice = page.locator("#live-notice")
    admission = admission_vote(steward, make_coop)
    expect(notice).to_contain_text("A vote has opened.")
    closing.close_vote(actor=steward, vote=admission)
    expect(notice).to_contain_text("A vote has closed.")
    on_amendment = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=amendment.id,
                                    rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
    closing.cancel_vote(actor=steward, vote=on_amendment, reason="Opened too early.")
    expect(notice).to_contain_text("A vote was cancelled.")
    notice.get_by_role("link", name=RELOAD).click()
    expect(page.get_by_role("heading", name="Cancelled")).to_be_visible()


def test_a_page_whose_connection_dropped_catches_up_on_reconnecting(app, browser_page, wait_for_live_rooms,
                                                                    steward, make_coop, make_delegate, monkeypatch):
    """The vote is cancelled while the page's socket is away; the page learns it from catch_up
    when Socket.IO reconnects (the cancellation is checked to have been sent to an empty room)."""
    from playwright.sync_api import expect

    from deliberate.realtime import events
    from deliberate.voting import closing
    from tests.live_server import engineio_server

    make_delegate(coop=make_coop(name="Kazi Riders"))
    vote = admission_vote(steward, make_coop)
    room = f"vote:{vote.id}"
    manager = app.wsgi_app.engineio_app.manager

    def followers() -> int:
        try:
            return len(manager.rooms.get("/", {}).get(room, ()))
        except RuntimeError:  # changed while being read
            return -1

    sent_to = []
    publish = events._publisher

    def counting(message):
        if message["scope"] == room:
            sent_to.append((message["kind"], followers()))
        publish(message)

    monkeypatch.setattr(events, "_publisher", counting)

    page = browser_page
    page.goto(f"/votes/{vote.id}")
    wait_for_live_rooms(page)
    sid = page.evaluate("() => window.deliberateSocket.io.engine.id")
    engineio_server(app).sockets[sid].close(wait=False)  # the connection drops (the server restarts, say)
    wait_until(lambda: followers() == 0, message="the page's socket to be gone")
    closing.cancel_vote(actor=steward, vote=vote, reason="The co-op withdrew its application.")
    assert sent_to == [("vote_cancelled", 0)], "the page was still connected: this would not test catch-up"

    expect(page.locator("h1 .badge")).to_have_text("cancelled")
    expect(page.get_by_role("status").filter(has_text="This vote was cancelled")).to_contain_text(
        "This vote was cancelled: The co-op withdrew its application.")
    wait_for_live_rooms(page)
