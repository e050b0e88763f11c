"""Every page's HTML holds together: each id is used once (so a "¶" link, a label or an error
summary reaches the right element), each ``<label for>`` names a field of the page, each ARIA
reference and in-page link names an id that is there, and each ``<time datetime>`` is a value HTML
accepts. Forms are real (CSRF on), as in production, where every form carries its token.

Two worlds: the demo network (tests/browser/support.py names its main pages), with a release
candidate, a withdrawn candidate, a co-edited revision, quotes anchored to paragraphs, and votes of
every kind open and closed added; and the authorization world (tests/authz_world.py), for every
GET route of the site in tests/web/authz_table.py. Feeds and downloads are not HTML and are skipped.
"""
from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import ON_POSTGRES, TEST_PASSWORD, build_world_once, restore_postgres
from tests.web.authz_table import TABLE, fill
from tests.web.html_check import Page, problems

# Pages rendered and checked the same whatever the database: run once, on SQLite (Makefile, test-postgres).
pytestmark = pytest.mark.db_independent


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


DEMO_PEOPLE = {"observer": None, "delegate": "lucia@example.org", "two co-ops": "maya@example.org",
               "steward": "steward@example.org"}


def sign_in(client, email: str, password: str) -> None:
    """Through the real form, with its CSRF token."""
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/signin", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, email


def check_pages(client, pages: dict[str, str], who: str) -> tuple[list[str], int]:
    found, checked = [], 0
    for label, path in pages.items():
        response = client.get(path)
        if response.status_code >= 400 and label != "not found":
            found.append(f"{who} · {label} ({path}) answered {response.status_code}")
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        checked += 1
        found += [f"{who} · {label} ({path}): {problem}" for problem in problems(response.get_data(as_text=True))]
    return found, checked


# The demo network, with more of everything ---------------------------------------------------

def build_demo_world() -> dict[str, dict[str, str]]:
    """Seed the demo network, add the scenes it lacks, and name each page by role (path by label)."""
    from datetime import timedelta

    from deliberate.database import utcnow
    from deliberate.discussions import services as discussions
    from deliberate.extensions import db
    from deliberate.members import services as members
    from deliberate.members.models import Cooperative, Person
    from deliberate.proposals import services as proposals
    from deliberate.proposals.models import Amendment
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import closing
    from deliberate.voting import services as voting
    from deliberate.voting.models import Vote
    from tests.browser.support import demo_pages

    helper = members.create_steward(email="helper@example.org", name="Helper Steward", password=TEST_PASSWORD)
    pages = demo_pages(helper)

    def person(email):
        return db.session.scalar(db.select(Person).where(Person.email == email))

    def coop(name):
        return db.session.scalar(db.select(Cooperative).where(Cooperative.name == name))

    def standard():
        return standards.get_standard("platform-co-op-principles")

    def section(title):
        return next(s for s in standard().sections if s.title == title)

    steward, amara, maya = person("steward@example.org"), person("amara@example.org"), person("maya@example.org")
    week = utcnow() + timedelta(days=7)
    base = "/standards/platform-co-op-principles"

    # A co-edited revision (Amara wrote it with Maya), then a candidate withdrawn, then a release
    # candidate waiting for its vote.
    # The Principles are ratified: their text changes only through adopted amendments; the
    # co-edited revision is on Member Data Rights, still a draft.
    rights = section("The right to be forgotten")
    backups = proposals.open_amendment(actor=amara, amendment=proposals.propose_amendment(
        actor=amara, standard=standard(), kind="modify", section=rights, summary="Backups too.",
        proposed_title=rights.title, proposed_body=rights.body + "\n\nBackups are erased within a month, too.",
        coop=coop("Kazi Riders")))
    from deliberate.database import unit_of_work
    from deliberate.proposals import adoption

    with unit_of_work() as session:
        adoption.apply_amendment(session, session.get(Amendment, backups.id), steward, "Agreed at the data workshop.")
    data_rights = standards.get_standard("member-data-rights")
    coedited = data_rights.sections[0]
    standards.revise_section(actor=amara, section=coedited, title=coedited.title,
                             body=coedited.body + "\n\nBackups are erased within a month, too.",
                             message="Written together at the data workshop", base_revision_id=coedited.head_revision_id,
                             coop=coop("Kazi Riders"), credits=[(maya.id, coop("Loom Makers").id)])
    coedited = standards.get_standard("member-data-rights").sections[0]
    data_base = f"/standards/{data_rights.slug}"
    withdrawn = versions.assemble_version(actor=steward, standard=standard(), summary="Too early.")
    versions.withdraw_candidate(actor=steward, version=withdrawn, reason="The workshop has more to add.")
    candidate = versions.assemble_version(actor=steward, standard=standard(), summary="Members are told what their data is for.")

    # Quotes anchored to paragraphs, on the section and on the whole standard.
    rights = section("The right to be forgotten")
    discussions.post_comment(actor=amara, subject_kind="section", subject_id=rights.id, coop=coop("Kazi Riders"),
                             body="Which backups?", quote="Backups are erased within a month",
                             anchor={"revision_id": rights.head_revision_id, "paragraph": 2})
    discussions.post_comment(actor=amara, subject_kind="standard", subject_id=standard().id, coop=coop("Kazi Riders"),
                             body="Erased from backups too?", quote="erased",
                             anchor={"section_key": rights.key, "revision_id": rights.head_revision_id, "paragraph": 1})

    # An open ranked vote between two amendments, a vote on a move, and a cancelled vote.
    ownership = section("Member ownership")
    first, second = (proposals.open_amendment(actor=amara, amendment=proposals.propose_amendment(
        actor=amara, standard=standard(), kind="modify", section=ownership, summary=summary, name=summary,
        proposed_title=ownership.title, proposed_body=ownership.body.replace("equal share", words), coop=coop("Kazi Riders")))
        for summary, words in (("One share each", "one equal share"), ("Equal and personal", "equal, personal share")))
    group = proposals.group_competing(actor=steward, amendments=[first, second], title="How to say equal shares")
    ranked = voting.open_vote(actor=steward, subject_kind="group", subject_id=group.id, rule_preset="ranked", closes_at=week)
    move = proposals.open_amendment(actor=maya, amendment=proposals.propose_amendment(
        actor=maya, standard=standard(), kind="move", section=section("Interoperability"), target_position=2,
        summary="Portability belongs next to ownership.", coop=coop("Loom Makers")))
    moved = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=move.id, closes_at=week)
    votable = db.session.scalar(db.select(Amendment).where(Amendment.title == "Announce decisions a month ahead"))
    cancelled = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=votable.id, closes_at=week)
    closing.cancel_vote(actor=steward, vote=cancelled, reason="Opened by mistake.")
    votes = {v.subject_kind + ("-open" if v.state == "open" else "-" + v.state): v.id
             for v in db.session.scalars(db.select(Vote).order_by(Vote.id))}
    version_vote = db.session.scalar(db.select(Vote).where(Vote.subject_kind == "version").order_by(Vote.id))

    everyone = {**pages.everyone, **pages.observer, **{f"vote {kind}": f"/votes/{ident}" for kind, ident in votes.items()},
                "vote ranked open": f"/votes/{ranked.id}", "vote on a move": f"/votes/{moved.id}",
                "candidate": f"{base}/v/{candidate.number}", "withdrawn candidate": f"{base}/v/{withdrawn.number}?attempt=1",
                "revision co-edited": f"{data_base}/s/{coedited.key}/r/{coedited.head.number}",
                "blame co-edited": f"{data_base}/s/{coedited.key}/blame", "section co-edited": f"{data_base}/s/{coedited.key}",
                "revision adopted": f"{base}/s/{rights.key}/r/{rights.head.number}",
                "version vote": f"/votes/{version_vote.id}", "transparency": "/transparency/", "witness": "/witness",
                "standard discussion": f"/discussions/standard/{standard().id}",
                "section discussion": f"/discussions/section/{rights.id}", "search with dates": "/search?q=members"}
    signed_in = {**pages.signed_in, "tokens": "/account/tokens/", "webhooks": "/webhooks/"}
    steward_pages = {**pages.steward, **{f"new vote on {kind}": f"/votes/new?subject={kind}:{ident}" for kind, ident in (
        ("amendment", votable.id), ("version", candidate.id), ("admission", coop("Coop Courses").id),
        ("maturity", standards.get_standard("member-data-rights").id))}}
    return {"everyone": everyone, "signed_in": signed_in, "delegate": pages.delegate, "steward": steward_pages}


@pytest.fixture(scope="module")
def demo_world_file(database_template, tmp_path_factory):
    """Built once for the module; each test gets a copy (a file on SQLite, a row snapshot on PostgreSQL)."""
    return build_world_once(database_template, tmp_path_factory, build_demo_world, "demo")


@pytest.fixture
def database_url(request, database_url):
    """The suite's own database for this test, holding a copy of the demo world when it asks for one."""
    if "demo_world" in request.fixturenames and not ON_POSTGRES:
        shutil.copyfile(request.getfixturevalue("demo_world_file")[0], database_url.removeprefix("sqlite:///"))
    return database_url


@pytest.fixture
def demo_world(app, demo_world_file):
    if ON_POSTGRES:
        restore_postgres(demo_world_file[0])
    return demo_world_file[1]


@pytest.mark.parametrize("role", list(DEMO_PEOPLE))
def test_the_demo_networks_pages_have_unique_ids_and_valid_references(app, demo_world, role):
    from deliberate.seed import DEMO_PASSWORD

    client = app.test_client()
    pages = dict(demo_world["everyone"])
    if DEMO_PEOPLE[role]:
        sign_in(client, DEMO_PEOPLE[role], DEMO_PASSWORD)
        pages.update(demo_world["signed_in"])
        pages.update(demo_world["steward"] if role == "steward" else demo_world["delegate"])
        if role == "two co-ops":  # Lucía's private draft is hers alone
            pages.pop("edit draft amendment")
    found, checked = check_pages(client, pages, role)
    assert checked >= len(demo_world["everyone"]) - 3
    assert not found, "\n".join(found)


# Every GET route of the site, in the authorization world ----------------------------------------

@pytest.mark.parametrize("role", ["observer", "delegate", "steward"])
def test_every_page_of_the_site_has_unique_ids_and_valid_references(app, authz_world, role):
    client = app.test_client()
    if role != "observer":
        sign_in(client, authz_world["emails"][role], TEST_PASSWORD)
    pages = {endpoint: fill(route.path, authz_world["ids"]) for endpoint, route in TABLE.items()
             if route.get and route.get.get(role) == 200 and endpoint not in ("auth.logout",)}
    found, checked = check_pages(client, pages, role)
    assert checked > 20
    assert not found, "\n".join(found)


# The checker itself -----------------------------------------------------------------------------

@pytest.mark.parametrize("html, expected", [
    ('<p id="a"></p><p id="a"></p>', ["id 'a' is used 2 times"]),
    ('<label for="x">X</label><input id="y">', ["is for 'x', which is not on the page"]),
    ('<label for="x">X</label><p id="x"></p>', ["which is not a form field"]),
    ('<time datetime="2026-12-06T21:03:04.123456+00:00">x</time>', ["is not valid HTML"]),
    ('<time datetime="2026-13-06">x</time>', ["is not valid HTML"]),
    ('<a href="#nowhere">x</a>', ["leads to '#nowhere'"]),
    ('<section aria-labelledby="h"></section>', ["aria-labelledby names 'h'"]),
    ('<label for="x">X</label><input id="x"><a href="#x">x</a><time datetime="2026-12-06T21:03:04Z"></time>'
     '<time datetime="2026-12-06T21:03:04.123+01:00"></time><time datetime="2026-12-06"></time>', []),
])
def test_the_checker_finds_what_it_should(html, expected):
    found = problems(html)
    assert len(found) == len(expected) and all(want in got for want, got in zip(expected, found)), found


# Section keys are element ids on a standard's pages ----------------------------------------------

def standard_pages(client, slug: str) -> dict[str, str]:
    """The standard's page (its version and its working draft) and every version's page."""
    from deliberate.extensions import db
    from deliberate.standards import services as standards
    from deliberate.versions.models import Version

    standard = standards.get_standard(slug)
    paths = {"standard": f"/standards/{slug}", "draft": f"/standards/{slug}?draft=1"}
    for version in db.session.scalars(db.select(Version).where(Version.standard_id == standard.id)):
        paths[f"version {version.number}"] = f"/standards/{slug}/v/{version.number}?attempt={version.attempt}"
    return {label: client.get(path).get_data(as_text=True) for label, path in paths.items()}


def ratified_and_candidate(network, slug: str) -> None:
    """Version 1.0 ratified by vote, then a revision and a candidate 1.1 (its page has the stewards' form)."""
    from datetime import timedelta

    from deliberate.database import utcnow
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import closing
    from deliberate.voting import services as voting

    steward = network["steward"]
    version = versions.assemble_version(actor=steward, standard=standards.get_standard(slug), summary="First.")
    vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    section = standards.get_standard(slug).sections[0]
    standards.revise_section(actor=steward, section=section, title=section.title, body=section.body + " Together.",
                             message="Together", base_revision_id=section.head_revision_id)
    versions.assemble_version(actor=steward, standard=standards.get_standard(slug), summary="Next.")


def test_section_keys_never_take_an_id_the_standards_pages_use(app, network, make_standard):
    """Every id of a standard's pages is a section's (its key, h-key, key-pN), numbered (comment-12)
    or in standards.services.PAGE_IDS; and sections titled like each of those get other keys."""
    from deliberate.standards import services as standards

    ratified_and_candidate(network, network["standard"].slug)
    readers = (app.test_client(), app.test_client())
    sign_in(readers[1], network["steward"].email, TEST_PASSWORD)
    keys = [s.key for s in standards.get_standard(network["standard"].slug).sections]
    a_sections = re.compile(rf"^(h-)?({'|'.join(map(re.escape, keys))})(-p\d+)?$")
    own = {name for client in readers for html in standard_pages(client, network["standard"].slug).values()
           for name in Page(html).ids()
           if re.fullmatch(r"[a-z-]+", name) and not a_sections.match(name)}  # a key is a slug; numbered ids are not
    assert sorted(own - standards.PAGE_IDS) == [], "add these ids to standards.services.PAGE_IDS"

    titled = make_standard(title="Every id", sections=[(name.replace("-", " ").title(), "Words.\n\nMore words.")
                                                       for name in sorted(standards.PAGE_IDS)])
    assert not {s.key for s in titled.sections} & standards.PAGE_IDS
    ratified_and_candidate(network, titled.slug)
    for client in readers:
        for label, html in standard_pages(client, titled.slug).items():
            assert not problems(html), label
