"""Journey: an observer, without an account, reads the ratified version of a standard, switches to
the working draft and back, compares two versions, and downloads a vote's ballot record, which
verifies offline and ends with the hash the changelog names."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.support import AXE

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def build_history(steward, make_delegate, make_standard):
    """Version 1.0, then an amendment and version 1.1, then an unratified change in the draft."""
    from deliberate.database import utcnow
    from deliberate.extensions import db
    from deliberate.proposals import adoption
    from deliberate.proposals import services as proposals
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import closing
    from deliberate.voting import services as voting

    delegates = [make_delegate(name=name) for name in ("Amara Okafor", "Lucía Ferrer", "Jonas Weber")]
    standard = make_standard(title="Platform Co-op Principles", sections=[
        ("Member ownership", "The platform is owned by the people who depend on it."),
        ("Data rights", "Members own their data.\n\nThey can download it at any time.")])
    standard.policy = {"steward_may_adopt": ["principle"]}
    db.session.commit()

    def ratify(summary):
        version = versions.assemble_version(actor=steward, standard=standards.get_standard(standard.slug),
                                            summary=summary)
        vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
        for delegate in delegates:
            voting.cast_ballot(actor=delegate, vote=vote, choice="for")
        return closing.close_vote(actor=steward, vote=vote)

    ratify("The founding text.")
    section = standards.get_standard(standard.slug).sections[1]
    amendment = proposals.propose_amendment(
        actor=delegates[1], standard=standard, kind="modify", section=section, summary="Downloads are free.",
        rationale="Fees keep members from their own data.", proposed_title=section.title,
        proposed_body=section.body.replace("at any time.", "at any time, free of charge."))
    adoption.adopt_directly(actor=steward, amendment=proposals.open_amendment(actor=delegates[1], amendment=amendment))
    vote = ratify("Downloads are free of charge.")
    section = standards.get_standard(standard.slug).sections[0]
    standards.revise_section(actor=steward, section=section, title=section.title,
                             body="The platform is owned by the people who depend on it, together.",
                             message="Not yet ratified", base_revision_id=section.head_revision_id)
    return standard, vote


def test_an_observer_reads_switches_compares_and_checks_a_ballot_record(browser_page, wait_for_live_rooms, steward,
                                                                       make_delegate, make_standard):
    from playwright.sync_api import expect

    from deliberate.versions import chain
    from deliberate.voting import ledger

    standard, vote = build_history(steward, make_delegate, make_standard)
    page = browser_page

    # The public page shows the latest ratified version, not the draft's newer wording.
    page.goto(f"/standards/{standard.slug}")
    wait_for_live_rooms(page)
    expect(page.locator("#reading")).to_contain_text("You are reading version 1.1")
    expect(page.locator("h1 .badge")).to_have_text("draft")  # the standard's maturity
    expect(page.get_by_text("free of charge")).to_be_visible()
    expect(page.get_by_text("depend on it, together")).to_have_count(0)
    contents = page.get_by_role("navigation", name="Contents")
    expect(contents.get_by_role("link")).to_have_text(["Member ownership", "Data rights"])
    permalink = page.locator("#h-data-rights a.permalink")
    expect(permalink).to_have_attribute("href", f"/standards/{standard.slug}/v/1.1#data-rights")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "standard-ratified-version.png"), full_page=True)

    # Switch to the working draft, and back.
    page.get_by_role("link", name="Read the working draft").click()
    wait_for_live_rooms(page)
    expect(page).to_have_url(re.compile(r"\?draft=1$"))
    expect(page.locator("#reading")).to_contain_text("You are reading the working draft")
    expect(page.get_by_text("depend on it, together")).to_be_visible()
    page.get_by_role("link", name="Read the ratified version 1.1").click()
    wait_for_live_rooms(page)
    expect(page.locator("#reading")).to_contain_text("You are reading version 1.1")

    # The version's own page: a permalink per section and a citation with its content hash.
    permalink = page.locator("#h-data-rights a.permalink")
    permalink.click()
    expect(page).to_have_url(re.compile(rf"/standards/{standard.slug}/v/1\.1#data-rights$"))
    expect(page.locator("#citation")).to_contain_text("version 1.1")
    expect(page.locator("#citation")).to_contain_text("SHA-256")

    # The changelog, and a comparison of two versions.
    page.get_by_role("link", name="Changelog").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Changelog"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Version 1.1"))).to_be_visible()
    expect(page.get_by_text("Fees keep members from their own data.")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "changelog.png"), full_page=True)
    page.get_by_label("Compare version").select_option("1.0")
    page.get_by_label("with").select_option("1.1")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare version 1.0 with version 1.1")).to_be_visible()
    expect(page.locator(".diff-body ins")).to_contain_text("free of charge")
    expect(page.locator("#unchanged")).to_contain_text("Member ownership")

    # The vote that ratified 1.1, and its ballot record: it verifies, passed, and ends where the changelog says.
    page.go_back()
    page.get_by_role("link", name=f"vote {vote.id}", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/votes/{vote.id}$"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the ballot record").click()
    record = ledger.loads_jsonl(Path(download_info.value.path()).read_bytes())
    report = ledger.verify(record)
    assert report.ok and report.recomputed.passed
    entries = chain.loads_jsonl(page.request.get(f"/standards/{standard.slug}/changelog.jsonl").body())
    assert entries[-1]["vote"]["id"] == vote.id and entries[-1]["vote"]["record_head"] == report.head
    assert chain.check_records(entries[-1:], {vote.id: record}) == []


def test_version_pages_have_no_serious_accessibility_violations(new_page, wait_for_live_rooms, steward,
                                                                make_delegate, make_standard):
    if not AXE.exists():
        pytest.skip("node_modules/axe-core/axe.min.js is missing: run `make vendor`")
    standard, _vote = build_history(steward, make_delegate, make_standard)
    page = new_page(bypass_csp=True)  # the pages' CSP (script-src 'self') would refuse the injected axe
    problems = []
    for path in (f"/standards/{standard.slug}", f"/standards/{standard.slug}?draft=1",
                 f"/standards/{standard.slug}/changelog", f"/standards/{standard.slug}/v/1.1",
                 f"/standards/{standard.slug}/versions/compare?from=1.0&to=draft",
                 f"/standards/{standard.slug}/v/1.1.html"):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        wait_for_live_rooms(page)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("""async () => (await axe.run(document)).violations.map(
            v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))""")
        problems += [f"{path}: {v['id']} ({v['impact']}) at {v['nodes'][:3]}" for v in violations
                     if v["impact"] in ("serious", "critical")]
    assert not problems, "\n".join(problems)
