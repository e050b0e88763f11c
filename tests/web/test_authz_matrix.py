"""Every route × every role: one table, the expected status of GET and of POST for each.

The table is keyed by endpoint and checked against ``app.url_map``: a route added without an entry
fails ``test_every_route_is_in_the_table``. (``/static`` serves files; ``/api/v1`` has its own
table in tests/api/test_authz.py.)

Roles: ``observer`` (not signed in), ``delegate`` (of the co-op that owns the amendment, comment
and objection below), ``other_delegate`` (of another member co-op), ``suspended_delegate`` (of a
suspended co-op) and ``steward``.

POSTs carry data a permitted person would send, so authorization, not form validation, decides.
A POST that is refused (4xx, or an observer sent to sign in) must change nothing in the database;
a POST that is accepted runs in a world of its own so that it cannot change what the next role sees.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import pytest

from tests.conftest import BASE_CONFIG, DATABASE_URL, EMPTY, ON_POSTGRES, TEST_PASSWORD, restore_postgres, snapshot_postgres

ROLES = ("observer", "delegate", "other_delegate", "suspended_delegate", "steward")
SIGNIN = "signin"  # a 302 to the sign-in page, with the page asked for as ``next``
EXCLUDED_PREFIXES = ("/static", "/api/v1")


def roles(observer, delegate, other_delegate, suspended_delegate, steward) -> dict:
    return dict(observer=observer, delegate=delegate, other_delegate=other_delegate,
                suspended_delegate=suspended_delegate, steward=steward)


def everyone(status) -> dict:
    return roles(status, status, status, status, status)


def members_only(status, suspended=403) -> dict:
    """Signed-in delegates of member co-ops and stewards get ``status``; observers sign in."""
    return roles(SIGNIN, status, status, suspended, status)


def stewards_only(status) -> dict:
    return roles(SIGNIN, 403, 403, 403, status)


@dataclass(frozen=True)
class Route:
    path: str
    get: dict | None = None   # None: the route does not answer GET (405 for everyone)
    post: dict | None = None  # None: the route does not answer POST (405 for everyone)
    data: dict = field(default_factory=dict)
    shared_path: bool = False  # another endpoint answers the other method on this path


STD = "/standards/{std}"
AMD = STD + "/amendments/{amendment}"
VOTE = "/votes/{vote}"
COMMENT = "/discussions/comments/{comment}"
HOOK = "/webhooks/{hook}"
PUBLIC = everyone(200)


def hook_owners(status) -> dict:
    """The member co-op's webhook: its delegates and stewards get ``status``, anyone else a 404."""
    return roles(SIGNIN, status, 404, 404, status)


def build_world() -> dict:
    """Everything a route can be about, owned by the ``delegate``'s co-op where it has an owner.

    Returns the ids and slugs the paths need, and each role's email (inside an app context).
    """
    from datetime import timedelta

    from deliberate.database import utcnow
    from deliberate.discussions import services as discussions
    from deliberate.members import services as members
    from deliberate.proposals import services as proposals
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import services as voting
    from deliberate.webhooks import services as webhooks

    steward = members.create_steward(email="steward@example.org", name="Steward", password=TEST_PASSWORD)

    def coop(name, status="member"):
        made = members.register_coop(actor=steward, name=name, country="ES", kind="worker")
        return members.change_coop_status(actor=steward, coop=made, status="member") if status == "member" else made

    def delegate(of, email):
        _invitation, token = members.invite_delegate(actor=steward, coop=of)
        return members.accept_invitation(token=token, name=email.split("@")[0].title(), email=email,
                                         password=TEST_PASSWORD)

    member, other_coop, suspended = coop("Kazi Riders"), coop("Other Co-op"), coop("Quiet Co-op")
    applicant = coop("New Co-op", status="applicant")
    people = {"delegate": delegate(member, "delegate@example.org"),
              "other_delegate": delegate(other_coop, "other@example.org"),
              "suspended_delegate": delegate(suspended, "suspended@example.org"), "steward": steward}
    members.change_coop_status(actor=steward, coop=suspended, status="suspended")
    standard = standards.create_standard(
        actor=steward, title="Platform Co-op Principles", summary="What we hold in common.",
        sections=[("Member ownership", "Members own the platform."), ("Data rights", "Members own their data.")])
    section = standard.sections[0]
    author = people["delegate"]
    draft = proposals.propose_amendment(actor=author, standard=standard, kind="modify", section=section,
                                        summary="Say it plainly.", proposed_title=section.title,
                                        proposed_body="Members own and run the platform.")
    opened = proposals.propose_amendment(actor=author, standard=standard, kind="modify", section=section,
                                         summary="Say it otherwise.", proposed_title=section.title,
                                         proposed_body="The members own the platform together.")
    opened = proposals.open_amendment(actor=author, amendment=opened)
    closes = utcnow() + timedelta(days=7)
    closed_vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id, closes_at=closes)
    voting.close_vote(actor=steward, vote=closed_vote)
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id, closes_at=closes,
                            rule_preset="consent")
    objection = voting.raise_objection(actor=author, vote=vote, argument="Not yet: we have not met them.")
    comment = discussions.post_comment(actor=author, subject_kind="standard", subject_id=standard.id,
                                       body="I agree with the first principle.")
    version = versions.assemble_version(actor=steward, standard=standard, summary="The first version.")
    _invitation, join_token = members.invite_delegate(actor=steward, coop=member)
    reset_token = members.request_password_reset(email="other@example.org")
    hook = webhooks.create_webhook(actor=author, coop=member, url="https://kazi.example.org/hooks",
                                   events=["vote.opened"])
    return {
        "emails": {role: person.email for role, person in people.items()},
        "person_ids": {role: person.id for role, person in people.items()},
        "ids": dict(std=standard.slug, std_id=standard.id, key=section.key, section_id=section.id,
                    base_revision=section.head_revision_id, member=member.slug, applicant=applicant.slug,
                    suspended=suspended.slug, other_coop=other_coop.slug, member_id=member.id,
                    other_coop_id=other_coop.id, suspended_id=suspended.id,
                    draft=draft.id, amendment=opened.id, amendment_draft=opened.head_draft_id, vote=vote.id,
                    closed_vote=closed_vote.id, objection=objection.id, comment=comment.id,
                    thread=comment.thread_id, other_person=people["other_delegate"].id, version=version.id, ref=version.number,
                    join_token=join_token, reset_token=reset_token, hook=hook.id),
    }


@pytest.fixture(scope="module")
def world_file(database_template, tmp_path_factory):
    """The world is built once per module and copied for each test (it is slow to build): as a
    database file on SQLite, as a snapshot of its rows on PostgreSQL."""
    from deliberate import create_app
    from deliberate.extensions import db

    if ON_POSTGRES:
        from deliberate.config import normalise_database_url

        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": normalise_database_url(DATABASE_URL)})
        with app.app_context():
            restore_postgres(EMPTY)
            world = build_world()
            snapshot = snapshot_postgres()
            db.session.remove()
            db.engine.dispose()
        return snapshot, world
    path = tmp_path_factory.mktemp("world") / "world.sqlite3"
    shutil.copyfile(database_template, path)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        world = build_world()
        db.session.remove()
        db.engine.dispose()
    return path, world


@pytest.fixture
def database_url(world_file, database_template, tmp_path):
    if ON_POSTGRES:
        from deliberate.config import normalise_database_url

        return normalise_database_url(DATABASE_URL)
    path = tmp_path / "db.sqlite3"
    shutil.copyfile(world_file[0], path)
    return f"sqlite:///{path}"


@pytest.fixture
def world(app, world_file):
    if ON_POSTGRES:
        restore_postgres(world_file[0])
    return world_file[1]


TABLE: dict[str, Route] = {
    # Public pages and files
    "main.index": Route("/", get=PUBLIC),
    "main.how_it_works": Route("/how-it-works", get=PUBLIC),
    "main.healthz": Route("/healthz", get=PUBLIC),
    "main.favicon": Route("/favicon.ico", get=everyone(301)),
    "feeds.network": Route("/feed.atom", get=PUBLIC),
    "feeds.standard": Route(STD + "/feed.atom", get=PUBLIC),
    "search.index": Route("/search?q=members", get=PUBLIC),
    "language.choose": Route("/language", post=everyone(302), data={"locale": "es"}),
    # Accounts
    "auth.login": Route("/signin", get=roles(200, 302, 302, 302, 302), post=roles(302, 302, 302, 302, 302),
                        data={"email": "other@example.org", "password": TEST_PASSWORD}),
    "auth.logout": Route("/signout", post=everyone(302)),
    # The same answer whoever asks and whether or not the address has an account.
    "auth.forgot": Route("/forgot", get=PUBLIC, post=everyone(302), data={"email": "other@example.org"}),
    "auth.reset": Route("/reset/{reset_token}", get=PUBLIC, post=everyone(302),
                        data={"password": "a brand new password", "confirm": "a brand new password"}),
    "auth.join": Route("/join/{join_token}", get=PUBLIC, post=everyone(302),
                       data={"name": "New Person", "email": "new@example.org", "password": TEST_PASSWORD}),
    "auth.account": Route("/account", get=members_only(200, suspended=200)),
    # Account rights (the 'rights' change): each person's own; POSTs here carry no data, so the
    # signed-in get 422 (nothing changes). Erasing someone else is a steward's act.
    "auth.confirm_password": Route("/account/confirm", get=members_only(200, suspended=200),
                                   post=members_only(422, suspended=422)),
    "auth.change_email": Route("/account/email", get=members_only(200, suspended=200),
                               post=members_only(422, suspended=422)),
    "auth.change_password": Route("/account/password", get=members_only(200, suspended=200),
                                  post=members_only(422, suspended=422)),
    "auth.erase": Route("/account/erase", get=members_only(200, suspended=200), post=members_only(422, suspended=422)),
    "auth.export": Route("/account/export", get=members_only(200, suspended=200)),
    "auth.sign_out_everywhere": Route("/account/sign-out-everywhere", post=roles(SIGNIN, 302, 302, 302, 302)),
    "auth.steward_erase": Route("/people/{other_person}/erase", get=stewards_only(200), post=stewards_only(422)),
    "transparency.index": Route("/transparency/", get=PUBLIC),
    # API tokens (each person's own; no token 999 exists for anyone).
    "api_tokens.index": Route("/account/tokens/", get=members_only(200, suspended=200), shared_path=True),
    "api_tokens.create": Route("/account/tokens/", post=members_only(422, suspended=422), shared_path=True),
    "api_tokens.revoke": Route("/account/tokens/999/revoke", post=members_only(404, suspended=404)),
    # Webhooks (per co-op: a delegate of another co-op does not learn they exist).
    "webhooks.index": Route("/webhooks/", get=members_only(200, suspended=200)),
    "webhooks.coop_index": Route("/coops/{member}/webhooks", get=roles(SIGNIN, 200, 404, 404, 200)),
    "webhooks.new": Route("/webhooks/new", get=members_only(200), post=members_only(422)),
    "webhooks.show": Route(HOOK, get=hook_owners(200)),
    "webhooks.delete": Route(HOOK + "/delete", post=hook_owners(302)),
    "webhooks.disable": Route(HOOK + "/disable", post=hook_owners(302)),
    "webhooks.enable": Route(HOOK + "/enable", post=hook_owners(302)),
    "webhooks.ping": Route(HOOK + "/ping", post=hook_owners(302)),
    "webhooks.rotate": Route(HOOK + "/secret", post=hook_owners(302)),
    # Co-ops
    "coops.index": Route("/coops/", get=PUBLIC),
    "coops.show": Route("/coops/{member}", get=PUBLIC),
    "coops.new": Route("/coops/new", get=stewards_only(200), post=stewards_only(302),
                       data={"name": "Fresh Co-op", "country": "ES", "kind": "worker"}),
    "coops.invite": Route("/coops/{member}/invite", get=roles(SIGNIN, 200, 403, 403, 200),
                          post=roles(SIGNIN, 200, 403, 403, 200), data={"email": "new@example.org"}),
    "coops.change_status": Route("/coops/{member}/status", post=stewards_only(302),
                                 data={"status": "suspended", "reason": "Unpaid dues"}),
    # Standards and sections
    "standards.index": Route("/standards/", get=PUBLIC),
    "standards.new": Route("/standards/new", get=stewards_only(200), post=stewards_only(302),
                           data={"title": "Model Bylaws", "summary": "Bylaws to start from."}),
    "standards.show": Route(STD, get=PUBLIC),
    "standards.new_section": Route(STD + "/sections/new", get=stewards_only(200), post=stewards_only(302),
                                   data={"title": "Open books", "kind": "principle", "body": "We publish our accounts."}),
    "standards.section": Route(STD + "/s/{key}", get=PUBLIC),
    "standards.revision": Route(STD + "/s/{key}/r/1", get=PUBLIC),
    "standards.edit_section": Route(STD + "/s/{key}/edit", get=members_only(200), post=members_only(302),
                                    data={"title": "Member ownership", "body": "Members own it, together.",
                                          "message": "Say together.", "base_revision_id": "{base_revision}"}),
    "coediting.section_editor": Route(STD + "/s/{key}/together", get=members_only(200)),
    "amendments.blame": Route(STD + "/s/{key}/blame", get=PUBLIC),
    "amendments.compare_revisions": Route(STD + "/s/{key}/compare?from=1&to=1", get=PUBLIC),
    "amendments.compare_standard": Route(STD + "/compare", get=PUBLIC),
    # Amendments
    "amendments.index": Route(STD + "/amendments", get=PUBLIC),
    "amendments.new": Route(STD + "/amendments/new", get=members_only(200), post=members_only(302),
                            data={"kind": "modify", "section": "{key}", "summary": "Plainer words.",
                                  "proposed_title": "Member ownership", "proposed_body": "Members own the co-op.",
                                  "base_revision_id": "{base_revision}"}),
    "amendments.show": Route(AMD, get=PUBLIC),
    "amendments.edit": Route(AMD + "/edit", get=roles(SIGNIN, 200, 403, 403, 403), post=roles(SIGNIN, 302, 403, 403, 403),
                             data={"summary": "Plainer still.", "proposed_title": "Member ownership",
                                   "proposed_body": "The members own the platform, together.",
                                   "expected_draft_id": "{amendment_draft}"}),
    "amendments.open_": Route(STD + "/amendments/{draft}/open", post=roles(SIGNIN, 302, 404, 404, 403)),
    "amendments.withdraw": Route(AMD + "/withdraw", post=roles(SIGNIN, 302, 403, 403, 403)),
    # This standard's policy decides amendments by vote: not even a steward adopts directly.
    "amendments.adopt": Route(AMD + "/adopt", post=roles(SIGNIN, 403, 403, 403, 403)),
    "amendments.add_coauthor": Route(AMD + "/coauthors", post=roles(SIGNIN, 302, 403, 403, 403),
                                     data={"email": "other@example.org"}),
    # Only a conflicted amendment can be resolved (by its authors or a steward); this one is open.
    "amendments.resolve": Route(AMD + "/resolve", get=roles(SIGNIN, 403, 403, 403, 403),
                                post=roles(SIGNIN, 403, 403, 403, 403),
                                data={"proposed_title": "T", "proposed_body": "B", "note": "N"}),
    "amendments.group": Route(STD + "/amendments/group", get=stewards_only(200), post=stewards_only(422),
                              data={"title": "Ownership wording", "amendments": "{amendment}"}),
    "coediting.amendment_editor": Route(STD + "/amendments/{draft}/together", get=roles(SIGNIN, 200, 404, 404, 403)),
    # Versions
    "versions.changelog": Route(STD + "/changelog", get=PUBLIC),
    "versions.changelog_jsonl": Route(STD + "/changelog.jsonl", get=PUBLIC),
    "versions.show": Route(STD + "/v/{ref}", get=PUBLIC),
    "versions.compare": Route(STD + "/versions/compare", get=PUBLIC),
    "versions.assemble": Route(STD + "/versions/new", get=stewards_only(200), post=stewards_only(409),
                               data={"summary": "Another version."}),
    "versions.withdraw": Route(STD + "/versions/{version}/withdraw", post=stewards_only(302),
                               data={"reason": "Not ready yet."}),
    # Following
    "follows.follow": Route(STD + "/follow", post=roles(SIGNIN, 302, 302, 302, 302)),
    "follows.unfollow": Route(STD + "/unfollow", post=roles(SIGNIN, 302, 302, 302, 302)),
    "follows.notifications": Route("/notifications", get=members_only(200, suspended=200)),
    "follows.count": Route("/notifications/count", get=members_only(200, suspended=200)),
    # Discussions
    "discussions.subject": Route("/discussions/standard/{std_id}", get=PUBLIC),
    "discussions.comments": Route("/discussions/standard/{std_id}/comments", post=members_only(302),
                                  data={"body": "I agree."}),
    "discussions.threads": Route("/discussions/standard/{std_id}/threads", post=members_only(302),
                                 data={"title": "Wording", "body": "Shall we say it plainly?"}),
    "discussions.permalink": Route(COMMENT, get=everyone(302)),
    "discussions.history": Route(COMMENT + "/history", get=PUBLIC),
    "discussions.reply": Route(COMMENT + "/reply", get=members_only(200)),
    "discussions.edit": Route(COMMENT + "/edit", get=roles(SIGNIN, 200, 403, 403, 403),
                              post=roles(SIGNIN, 302, 403, 403, 403), data={"body": "I agree, with one change."}),
    "discussions.hide": Route(COMMENT + "/hide", get=stewards_only(200), post=stewards_only(302),
                              data={"reason": "Off topic."}),
    "discussions.unhide": Route(COMMENT + "/unhide", post=stewards_only(302)),
    # Votes
    "votes.index": Route("/votes/", get=PUBLIC),
    "votes.new": Route("/votes/new", get=stewards_only(200), post=stewards_only(422), data={"subject": "nonsense"}),
    "votes.show": Route(VOTE, get=PUBLIC),
    "votes.record": Route("/votes/{closed_vote}/record.jsonl", get=PUBLIC),
    "votes.cast": Route(VOTE + "/ballot", post=roles(SIGNIN, 302, 302, 403, 403), data={"choice": "consent"}),
    "votes.concern": Route(VOTE + "/concerns", post=roles(SIGNIN, 302, 302, 403, 403),
                           data={"argument": "We worry about the timing."}),
    "votes.withdraw": Route(VOTE + "/objections/{objection}/withdraw", post=roles(SIGNIN, 302, 403, 403, 403),
                            data={"note": "We talked it through."}),
    "votes.resolve": Route(VOTE + "/objections/{objection}/resolve", post=stewards_only(302),
                           data={"outcome": "resolved", "note": "Resolved at the meeting."}),
    "votes.close": Route(VOTE + "/close", post=stewards_only(302)),
    "votes.cancel": Route(VOTE + "/cancel", post=stewards_only(302), data={"reason": "Opened by mistake."}),
    "votes.statement": Route("/votes/{closed_vote}/statement", post=stewards_only(302),
                             data={"text": "Admission failed: too few co-ops took part."}),
}


def _rule_endpoints(app) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(EXCLUDED_PREFIXES):
            continue
        found.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return found


def test_every_route_is_in_the_table(app):
    """A new route needs its row: who may GET it, who may POST to it."""
    found = _rule_endpoints(app)
    missing = sorted(set(found) - set(TABLE))
    assert not missing, f"routes without an authorization entry in {__name__}.TABLE: {missing}"
    stale = sorted(set(TABLE) - set(found))
    assert not stale, f"entries for routes that no longer exist: {stale}"
    for endpoint, methods in found.items():
        route = TABLE[endpoint]
        assert (route.get is not None) == ("GET" in methods), (endpoint, "GET", methods)
        assert (route.post is not None) == ("POST" in methods), (endpoint, "POST", methods)
        assert methods <= {"GET", "POST"}, (endpoint, methods)


def _fill(template: str, ids: dict) -> str:
    return template.format(**ids)


def _data(route: Route, ids: dict) -> dict:
    return {name: _fill(value, ids) for name, value in route.data.items()}


def _snapshot() -> dict[str, list]:
    """Every row of every table: what a refused request must leave exactly as it was."""
    from sqlalchemy import select

    from deliberate.extensions import db

    db.session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns))]
    db.session.rollback()
    return rows


def _refused(status) -> bool:
    return status == SIGNIN or status >= 400


def _check(response, expected, role, method, path):
    body = response.get_data(as_text=True)
    got = SIGNIN if (response.status_code == 302 and "/signin" in response.headers.get("Location", "")
                     and expected == SIGNIN) else response.status_code
    assert got == expected, (role, method, path, response.status_code, response.headers.get("Location"), body[:300])
    if expected == SIGNIN:
        assert "next=" in response.headers["Location"]
    if response.status_code >= 400:
        assert "Traceback" not in body


@pytest.fixture
def role_client(app, world):
    def make(role):
        client = app.test_client()
        if role != "observer":
            signed_in = client.post("/signin", data={"email": world["emails"][role], "password": TEST_PASSWORD})
            assert signed_in.status_code == 302, role
        return client
    return make


GET_CASES = sorted(TABLE)


@pytest.mark.parametrize("endpoint", GET_CASES)
def test_get_and_refused_posts(world, role_client, endpoint):
    """GET: the expected status for each role (405 everywhere for POST-only routes).
    POST with a permitted person's data: every refused role gets its status and changes nothing."""
    route = TABLE[endpoint]
    path = _fill(route.path, world["ids"])
    expected = route.get or everyone(405)
    clients = {role: role_client(role) for role in ROLES}
    for role in ROLES:
        if route.get is None and route.shared_path:
            break
        response = clients[role].get(path)
        _check(response, expected[role], role, "GET", path)
    if route.post is None and route.shared_path:
        return
    if route.post is None:  # refused by routing, before any view runs
        for role in ROLES:
            _check(clients[role].post(path, data={}), 405, role, "POST", path)
        return
    before = _snapshot()
    for role in ROLES:
        if _refused(route.post[role]):
            response = clients[role].post(path, data=_data(route, world["ids"]))
            _check(response, route.post[role], role, "POST", path)
            assert _snapshot() == before, (role, path, "a refused request changed the database")


ACCEPTED = [(endpoint, role) for endpoint, route in sorted(TABLE.items()) if route.post
            for role in ROLES if not _refused(route.post[role])]


@pytest.mark.parametrize("endpoint, role", ACCEPTED, ids=[f"{e}-{r}" for e, r in ACCEPTED])
def test_post_accepted(world, role_client, endpoint, role):
    """POST by a role the route accepts, in a world of its own."""
    route = TABLE[endpoint]
    path = _fill(route.path, world["ids"])
    response = role_client(role).post(path, data=_data(route, world["ids"]))
    _check(response, route.post[role], role, "POST", path)
    if response.status_code == 302:
        assert "/signin" not in response.headers["Location"] or endpoint in {"auth.logout", "auth.reset", "auth.forgot",
                                                                           "auth.sign_out_everywhere"}


def test_every_post_needs_the_csrf_token(app, world, role_client):
    """With CSRF protection on (as in production), a POST without the form's token is refused with
    400 on every route, by whoever sends it, and changes nothing."""
    clients = {role: role_client(role) for role in ROLES}
    app.config["WTF_CSRF_ENABLED"] = True
    before = _snapshot()
    checked = 0
    for endpoint, route in sorted(TABLE.items()):
        if route.post is None:
            continue
        accepted = [role for role in ROLES if not _refused(route.post[role])] or ["steward"]
        path = _fill(route.path, world["ids"])
        response = clients[accepted[0]].post(path, data=_data(route, world["ids"]))
        assert response.status_code == 400, (endpoint, accepted[0], response.status_code)
        assert "Traceback" not in response.get_data(as_text=True)
        checked += 1
    assert _snapshot() == before
    assert checked >= 40
