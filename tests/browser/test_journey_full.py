"""The whole journey, in four browsers at once: a newcomer reads the ratified standard and its
changelog; the steward invites a delegate, who signs up, proposes an amendment, reads its diff and
opens it; two delegates of different co-ops discuss it live; the steward opens the vote; the co-ops
vote; the vote closes and the amendment is adopted; a version is assembled and ratified by vote;
the observer finds it in the changelog and in the standard's Atom feed."""
from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from tests.browser.support import screenshot, sign_in

pytestmark = pytest.mark.browser

TEXT = "Members own their data.\n\nThey can download it at any time."
NEW_TEXT = "Members own their data.\n\nThey can download it at any time, free of charge, in an open format."
ATOM = "{http://www.w3.org/2005/Atom}"


def ratify_founding_version(steward, standard, delegates):
    """Version 1.0 of ``standard``, ratified by the co-ops' votes (the state the journey starts in)."""
    from deliberate.database import utcnow
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import closing
    from deliberate.voting import services as voting

    version = versions.assemble_version(actor=steward, standard=standards.get_standard(standard.slug),
                                        summary="The founding text.")
    vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    for delegate in delegates:
        voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    closing.close_vote(actor=steward, vote=vote)


def cast(page, vote_url, choice):
    """A delegate records their co-op's ballot on the vote's page."""
    from playwright.sync_api import expect

    page.goto(vote_url)
    page.get_by_role("radio", name=choice, exact=True).check()
    page.get_by_role("button", name="Record my co-op's ballot").click()
    expect(page.locator("#your-ballot")).to_contain_text(choice)


def test_from_invitation_to_a_ratified_version(new_page, wait_for_live_rooms, steward, make_coop, make_delegate,
                                               make_standard):
    from playwright.sync_api import expect

    from tests.conftest import TEST_PASSWORD

    kazi = make_coop(name="Kazi Riders")
    dades = make_coop(name="Dades Comunes")
    fairbnb = make_coop(name="Fairbnb Kollektiv")
    lucia = make_delegate(coop=dades, name="Lucía Ferrer", email="lucia@dades.example")
    jonas = make_delegate(coop=fairbnb, name="Jonas Weber", email="jonas@fairbnb.example")
    standard = make_standard(title="Member Data Rights",
                             sections=[("Scope", "Every record a co-op keeps about its members."), ("Access", TEXT)])
    ratify_founding_version(steward, standard, [lucia, jonas])
    slug = standard.slug
    section_key = standard.sections[1].key

    observer, steward_page, amara_page, lucia_page = (new_page() for _ in range(4))

    # 1. A newcomer reads the ratified standard and its changelog, after the five-step introduction.
    observer.goto("/")
    guide = observer.get_by_role("region", name="New here? How our standards grow")
    expect(guide).to_be_visible()
    expect(guide.get_by_role("listitem")).to_have_count(5)
    guide.get_by_role("button", name="Got it, hide this").click()
    expect(guide).to_be_hidden()
    observer.reload()
    expect(observer.locator("#guide")).to_be_hidden()  # remembered in this browser
    observer.get_by_role("link", name="Member Data Rights").click()
    wait_for_live_rooms(observer)
    expect(observer.locator("#reading")).to_contain_text("You are reading version 1.0")
    observer.get_by_role("link", name="Changelog").first.click()
    expect(observer.get_by_role("heading", name=re.compile("Version 1.0"))).to_be_visible()

    # 2. The steward invites a delegate of Kazi Riders and passes on the link.
    sign_in(steward_page, steward.email, TEST_PASSWORD)
    steward_page.goto(f"/coops/{kazi.slug}")
    steward_page.get_by_role("link", name="Invite a delegate").click()
    steward_page.get_by_role("button", name="Create the link").click()
    link = steward_page.get_by_label("Invitation link").input_value()
    assert "/join/" in link

    # 3. The invited delegate signs up, proposes an amendment, reads its diff and opens it.
    amara_page.goto(link)
    amara_page.get_by_label("Your name").fill("Amara Okafor")
    amara_page.get_by_label("Email", exact=True).fill("amara@kazi.example")
    amara_page.get_by_label("Choose a password").fill("three words together")
    amara_page.get_by_role("button", name="Create my account").click()
    expect(amara_page.get_by_role("heading", name="Your account", exact=True)).to_be_visible()
    amara_page.goto(f"/standards/{slug}/s/{section_key}")
    wait_for_live_rooms(amara_page)
    amara_page.get_by_role("link", name="Propose a change").click()
    amara_page.get_by_label("What changes for co-ops, in plain words").fill("Downloads are free and open.")
    amara_page.get_by_label("Proposed text").fill(NEW_TEXT)
    amara_page.get_by_label("Why? (rationale)").fill("Fees and closed formats keep members from their own data.")
    amara_page.get_by_role("button", name="Save as draft").click()
    expect(amara_page).to_have_url(re.compile(rf"/standards/{slug}/amendments/\d+$"))
    amendment_url = amara_page.url
    wait_for_live_rooms(amara_page)
    expect(amara_page.locator(".diff-inline ins")).to_contain_text("free of charge, in an open format")
    expect(amara_page.locator(".diff-legend")).to_contain_text("added")
    amara_page.get_by_role("button", name="Open for discussion").click()
    wait_for_live_rooms(amara_page)
    expect(amara_page.locator("h1 .badge")).to_contain_text("open")

    # 4. Two delegates of different co-ops discuss it live, each seeing the other's words arrive.
    sign_in(lucia_page, lucia.email, TEST_PASSWORD)
    lucia_page.goto(amendment_url)
    wait_for_live_rooms(lucia_page)
    expect(lucia_page.get_by_text("No comments yet.")).to_be_visible()
    amara_page.locator("#comment-body").fill("Is *open format* clear enough for everyone?")
    amara_page.get_by_role("button", name="Post comment").first.click()
    expect(lucia_page.locator(".comment em", has_text="open format")).to_be_visible()
    lucia_page.locator("#comment-body").fill("Yes: CSV or JSON would both do.")
    lucia_page.get_by_role("button", name="Post comment").first.click()
    expect(amara_page.get_by_text("Yes: CSV or JSON would both do.")).to_be_visible()
    screenshot(amara_page, "journey-discussion")

    # 5. The steward opens the vote from the amendment's page.
    steward_page.goto(amendment_url)
    wait_for_live_rooms(steward_page)
    steward_page.get_by_role("link", name="Open a vote on this amendment").click()
    steward_page.get_by_label("Rule", exact=True).select_option("simple-majority")
    steward_page.get_by_role("button", name="Open the vote").click()
    expect(steward_page).to_have_url(re.compile(r"/votes/\d+$"))
    vote_url = steward_page.url
    expect(steward_page.locator("h1 .badge")).to_contain_text("open")

    # 6. Delegates of three co-ops vote; the turnout on the steward's page follows live.
    wait_for_live_rooms(steward_page)
    cast(amara_page, vote_url, "For")
    expect(steward_page.locator("#vote-turnout strong")).to_have_text("1 of 3")
    cast(lucia_page, vote_url, "For")
    jonas_page = new_page()
    sign_in(jonas_page, jonas.email, TEST_PASSWORD)
    cast(jonas_page, vote_url, "Against")
    expect(steward_page.locator("#vote-turnout strong")).to_have_text("3 of 3")

    # 7. The steward closes it: adopted, and the amendment says so.
    steward_page.get_by_role("button", name="Close the vote now").click()
    expect(steward_page.get_by_role("heading", name=re.compile("^Result: adopted"))).to_be_visible()
    expect(steward_page.locator("h1 .badge")).to_contain_text("closed")
    screenshot(steward_page, "journey-vote-closed")
    amara_page.goto(amendment_url)
    expect(amara_page.locator("h1 .badge")).to_contain_text("adopted")

    # 8. The steward assembles version 1.1, and the co-ops ratify it by vote.
    steward_page.goto(f"/standards/{slug}")
    steward_page.get_by_role("link", name="Assemble a version").click()
    steward_page.get_by_label("What this version changes, in plain words").fill("Downloads are free and open.")
    steward_page.get_by_role("button", name="Assemble the candidate").click()
    steward_page.get_by_role("link", name="Open the ratification vote").click()
    steward_page.get_by_role("button", name="Open the vote").click()
    expect(steward_page).to_have_url(re.compile(r"/votes/\d+$"))
    ratification_url = steward_page.url
    for page in (amara_page, lucia_page, jonas_page):
        cast(page, ratification_url, "For")
    steward_page.reload()
    steward_page.get_by_role("button", name="Close the vote now").click()
    expect(steward_page.get_by_role("heading", name=re.compile("^Result: adopted"))).to_be_visible()

    # 9. The observer finds version 1.1 in the changelog and in the feed.
    observer.goto(f"/standards/{slug}/changelog")
    expect(observer.get_by_role("heading", name=re.compile("Version 1.1"))).to_be_visible()
    expect(observer.get_by_text("Downloads are free and open.").first).to_be_visible()
    observer.goto(f"/standards/{slug}")
    wait_for_live_rooms(observer)
    expect(observer.locator("#reading")).to_contain_text("You are reading version 1.1")
    expect(observer.get_by_text("free of charge, in an open format")).to_be_visible()
    feed = observer.request.get(f"/standards/{slug}/feed.atom")
    assert feed.ok and "atom" in feed.headers["content-type"]
    entries = ElementTree.fromstring(feed.body()).findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") or "" for entry in entries]
    assert any("1.1" in title for title in titles), titles
