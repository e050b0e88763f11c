"""Formal objections' pages: the demo objection (seed_appeals) on the demo network, the draw page,
the record download checked offline, the filing form, and the links from the decided thing."""
from __future__ import annotations

import io

import pytest

from deliberate.appeals import check, draw, record
from deliberate.appeals.demo import seed_appeals
from deliberate.extensions import db
from tests.web.html_check import problems


@pytest.fixture
def demo(seeded_demo):
    objection = seed_appeals(db.session)
    assert objection is not None
    return objection


def test_the_demo_objection_is_decided_with_a_minority_opinion(demo, client):
    assert (demo.state, demo.outcome, demo.finding) == ("decided", "affirm", "overruled")
    html = client.get(f"/objections/{demo.id}").get_data(as_text=True)
    assert "The council affirmed the decision" in html and "Minority opinions" in html
    assert "It verifies." in html
    assert problems(html) == []  # well-formed, unique ids
    listing = client.get("/objections").get_data(as_text=True)
    assert f"/objections/{demo.id}" in listing
    assert f"/objections/{demo.id}" in client.get("/standards/platform-co-op-principles/objections").get_data(as_text=True)


def test_the_record_download_verifies_offline_and_the_draw_reproduces(demo, client):
    response = client.get(f"/objections/{demo.id}/record.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    entries = record.loads(response.data)
    assert record.verify(entries) == []
    assert check.verify_text(response.data, io.StringIO()) == check.EXIT_OK
    drawn = next(e["payload"] for e in entries if e["kind"] == "council_drawn")
    assert draw.draw_order(drawn["seed"], drawn["eligible"]) == drawn["order"]
    page = client.get(f"/objections/{demo.id}/draw").get_data(as_text=True)
    assert drawn["seed"] in page and "This draw checks" in page
    changed = response.data.replace(b"every member", b"each member", 1)
    assert check.verify_text(changed, io.StringIO()) == check.EXIT_FAILED


def test_the_amendment_page_links_its_objection(demo, client):
    from deliberate.proposals.models import Amendment

    amendment = db.session.get(Amendment, demo.subject_id)
    html = client.get(f"/standards/{amendment.standard.slug}/amendments/{amendment.id}").get_data(as_text=True)
    assert f"/objections/{demo.id}" in html


def test_filing_through_the_form(app, client, login, steward, make_delegate, make_standard):
    from datetime import timedelta

    from deliberate.database import utcnow
    from deliberate.voting import closing
    from deliberate.voting import services as voting

    delegates = [make_delegate() for _ in range(3)]
    from deliberate.members import services as members

    applicant = members.register_coop(actor=steward, name="Newcomers", country="ES", kind="worker")
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                            closes_at=utcnow() + timedelta(days=7))
    for delegate in delegates:
        voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    login(delegates[0])
    form = client.get(f"/objections/new?subject=admission:{applicant.id}")
    assert form.status_code == 200 and "File a formal objection" in form.get_data(as_text=True)
    empty = client.post(f"/objections/new?subject=admission:{applicant.id}", data={"issue": "", "rationale": "x",
                                                                                  "proposed_change": "y"})
    assert empty.status_code == 422
    done = client.post(f"/objections/new?subject=admission:{applicant.id}",
                       data={"issue": "Too fast.", "rationale": "Few voted.", "proposed_change": "Vote again."})
    assert done.status_code == 302 and "/objections/" in done.headers["Location"]
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Withdraw our objection" in page and "Too fast." in page
    assert problems(page) == []
    coop_page = client.get(f"/coops/{applicant.slug}").get_data(as_text=True)
    assert done.headers["Location"].rsplit("/", 1)[-1] in coop_page
    # A steward mediates and convenes; a council member sees the questions and the forms.
    location = done.headers["Location"]
    steward_client = app.test_client()
    login(steward, test_client=steward_client)
    page = steward_client.get(location).get_data(as_text=True)
    assert "Convene the council" in page and problems(page) == []
    assert steward_client.post(location + "/proposals", data={"text": "Vote again in May."}).status_code == 302
    assert steward_client.post(location + "/convene").status_code == 302
    member = app.test_client()
    login(delegates[1], test_client=member)
    page = member.get(location).get_data(as_text=True)
    assert "Adopt the mediator" in page and "Write the council" in page and problems(page) == []
    assert member.post(location + "/ballots", data={"question": "proposal:1", "choice": "yes"}).status_code == 302
    assert member.get(location + "/draw").status_code == 200


def _formal_section(html: str) -> str:
    start = html.index('class="formal-objections"')
    return html[start:html.index("</section>", start)]


def test_the_version_page_lists_its_objections_an_overturn_first(demo, client):
    """The decided thing's page lists its formal objections (from its view, not from a template
    helper): an overturned decision says so first, the others follow by number."""
    from datetime import timedelta

    from sqlalchemy import select

    from deliberate.appeals import services
    from deliberate.appeals.demo import _delegate
    from deliberate.members.models import Cooperative
    from deliberate.standards.models import Standard
    from deliberate.versions.models import Version

    version = db.session.scalar(select(Version).where(Version.state == "ratified").order_by(Version.id).limit(1))
    page = f"/standards/{db.session.get(Standard, version.standard_id).slug}/v/{version.number}"
    assert 'class="formal-objections"' in client.get(page).get_data(as_text=True)  # decided: the section is there
    coops = [c for c in db.session.scalars(select(Cooperative).where(Cooperative.status == "member")
                                           .order_by(Cooperative.slug)) if _delegate(db.session, c) is not None]
    first, second = (services.file_objection(
        actor=_delegate(db.session, coop), coop=coop, subject_kind="version", subject_id=version.id,
        issue="Too soon.", rationale="Few read it.", proposed_change="Read it again.",
        now=version.ratified_at + timedelta(hours=1)) for coop in coops[:2])
    second.outcome = "overturn"  # as a council's decision leaves it
    db.session.commit()
    section = _formal_section(client.get(page).get_data(as_text=True))
    assert section.index("Overturned by a council") < section.index(f"Objection {first.id} by")
    assert f"/objections/{second.id}" in section and f"/objections/{first.id}" in section
    # The amendment's page lists only its own objection.
    amendment_section = _formal_section(client.get(
        f"/standards/{db.session.get(Standard, demo.standard_id).slug}/amendments/{demo.subject_id}").get_data(as_text=True))
    assert f"Objection {demo.id} by" in amendment_section and "(decision affirmed)" in amendment_section
    assert f"/objections/{first.id}" not in amendment_section


def test_the_feeds_with_votes_carry_the_objection_filed_and_decided(demo, client):
    """Observers following decisions (``?votes=1``) learn that one was objected to and how the council
    ended it; the plain feeds (new versions) stay as they were."""
    import xml.etree.ElementTree as ET

    from deliberate.feeds import atom

    ns = {"a": atom.ATOM_NS}
    for path in ("/feed.atom?votes=1", "/standards/platform-co-op-principles/feed.atom?votes=1"):
        root = ET.fromstring(client.get(path).get_data())
        entries = {e.find("a:title", ns).text: e for e in root.findall("a:entry", ns)
                   if e.find("a:link", ns).get("href").endswith(f"/objections/{demo.id}")}
        filed = entries[f"Formal objection filed: {demo.title}"]
        decided = entries[f"Formal objection decided: {demo.title} (the decision is affirmed)"]
        for entry in (filed, decided):
            assert entry.find("a:category", ns).get("term") == "objection"
            assert entry.find("a:link", ns).get("href").endswith(f"/objections/{demo.id}")
            related = [link for link in entry.findall("a:link", ns) if link.get("rel") == "related"]
            assert related[0].get("href").endswith(f"/objections/{demo.id}/record.jsonl")
        assert demo.coop.name in filed.find("a:summary", ns).text
        assert "overruled" in decided.find("a:summary", ns).text
    plain = ET.fromstring(client.get("/feed.atom").get_data())
    assert not [e for e in plain.findall("a:entry", ns) if e.find("a:category", ns).get("term") == "objection"]


def test_the_witness_log_anchors_how_the_objection_ended_and_the_witness_checks_its_record(demo, app, tmp_path):
    """The record may still gain minority opinions after the end the log names: nothing else."""
    import io

    from deliberate.appeals import services
    from deliberate.witness import client
    from deliberate.witness import services as witness
    from tests.witness_support import fetcher_for

    mine = [e for e in witness.entries(db.session) if e["kind"] == "objection" and e["ref"] == demo.id]
    assert len(mine) == 1 and mine[0]["payload"]["final"] == "decided"
    steps = services.entries(db.session, demo.id)
    decided = next(step for step in steps if step["kind"] == "decided")
    assert mine[0]["payload"]["record_head"] == decided["hash"]
    assert mine[0]["payload"]["record_url"] == f"/objections/{demo.id}/record.jsonl"
    assert steps[-1]["kind"] == "minority_opinion"  # written after the end: the record grew
    out, err = io.StringIO(), io.StringIO()
    code = client.run("http://localhost.test/witness.jsonl", tmp_path / "kept.jsonl",
                      fetcher=fetcher_for(app.test_client()), out=out, err=err)
    assert code == client.OK, err.getvalue()
    assert "formal objection record(s)" in out.getvalue()
    page = app.test_client().get("/witness").get_data(as_text=True)
    assert f"/objections/{demo.id}" in page and "decided by its council." in page
