"""The vote page's read model and what it shows to whom: receipts, the record's head, a vote that
could not close, what a secret vote's form says, and the rules of voting.permissions."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.voting import closing, ledger, permissions, queries, services
from deliberate.voting.models import Ballot, Vote
from tests.sql_statements import recorded_statements

TEMPLATES = Path(__file__).resolve().parents[2] / "deliberate" / "templates" / "votes"
A_RECEIPT = "5e" * 32


@pytest.fixture
def open_vote(network):
    def do(**options):
        options.setdefault("closes_at", utcnow() + timedelta(days=7))
        return services.open_vote(actor=network["steward"], subject_kind="admission",
                                  subject_id=network["applicant"].id, **options)

    return do


@pytest.fixture
def other_delegate(make_delegate):
    return make_delegate(name="Other Delegate", email="other-delegate@example.org")


def page(client, vote) -> str:
    response = client.get(f"/votes/{vote.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _set(instance, name: str, value) -> None:
    setattr(instance, name, value)
    db.session.commit()


def _receipt_of(ballot: Ballot) -> str:
    receipt = db.session.get(Ballot, ballot.id).receipt_hash
    assert receipt and len(receipt) == 64  # given by cast_ballot
    return receipt


def test_a_coops_delegates_see_its_receipt_and_how_to_check_it_nobody_else_does(
        network, open_vote, other_delegate, as_role, login, client):
    vote = open_vote()
    ballot = services.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    services.cast_ballot(actor=other_delegate, vote=vote, choice="against")
    receipt = _receipt_of(ballot)
    login(network["delegate"])
    own = page(client, vote)
    assert f"Your co-op's receipt: <code>{receipt}</code>" in own
    assert f"deliberate verify vote-{vote.id}.jsonl --receipt {receipt}" in own
    for role in ("observer", "steward", "suspended_delegate"):
        assert receipt not in page(as_role(role), vote), role


@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
def test_a_delegates_vote_page_reads_the_electorate_and_the_ballots_once(network, open_vote, other_delegate, login,
                                                                          client, secret):
    """The page and its proxies' part share what they read (the vote page is the one a delegate
    reloads most while a vote is open: bench/load.py)."""
    vote = open_vote(secret=secret)
    services.cast_ballot(actor=other_delegate, vote=vote, choice="against")
    login(network["delegate"])
    page(client, vote)
    db.session.remove()  # as in production, the request starts with an empty session
    with recorded_statements() as statements:
        page(client, vote)
    for table in ("vote_electorate", "ballots"):
        reads = [s for s in statements if s.startswith("SELECT") and f" FROM {table} " in f"{s} "]
        assert len(reads) == 1, (table, reads)


def test_a_ballot_through_the_form_reads_its_vote_three_times(network, open_vote, login, client):
    """The view's read, the service's fresh read before the lock, the lock: never a refresh of an
    object the service's unit of work expired (``database.id_of``)."""
    vote = open_vote()
    login(network["delegate"])
    page(client, vote)
    db.session.remove()
    with recorded_statements() as statements:
        response = client.post(f"/votes/{vote.id}/ballot", data={"choice": "for", "note": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    reads = [s for s in statements if s.startswith("SELECT votes.id")]
    assert len(reads) == 3, reads


def test_the_api_gives_the_receipt_in_the_callers_own_ballot_only(network, open_vote, other_delegate, client):
    from deliberate.api import tokens
    from tests.conftest import TEST_PASSWORD

    vote = open_vote()
    ballot = services.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    receipt = _receipt_of(ballot)
    closing.close_vote(actor=network["steward"], vote=vote)

    def get(path, person=None):
        headers = {}
        if person is not None:
            _token, raw = tokens.create_token(actor=person, name="t", scopes=["read"], password=TEST_PASSWORD)
            headers["Authorization"] = f"Bearer {raw}"
        response = client.get("/api/v1" + path, headers=headers)
        assert response.status_code == 200
        return response

    mine = get(f"/votes/{vote.id}", network["delegate"]).get_json()["your_coops"]
    assert [(c["coop"]["name"], c["receipt_hash"]) for c in mine] == [("Kazi Riders", receipt)]
    assert get(f"/votes/{vote.id}", other_delegate).get_json()["your_coops"][0]["receipt_hash"] is None
    assert receipt not in get(f"/votes/{vote.id}").get_data(as_text=True)
    assert receipt not in get(f"/votes/{vote.id}/ballots").get_data(as_text=True)


@pytest.mark.parametrize("secret", [False, True], ids=["public", "secret"])
def test_the_closed_votes_page_shows_the_head_of_the_record_it_offers(network, open_vote, other_delegate, as_role,
                                                                      secret):
    vote = open_vote(secret=secret)
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    services.cast_ballot(actor=other_delegate, vote=vote, choice="against")
    observer = as_role("observer")
    assert "the last one's hash is" not in page(observer, vote)
    closing.close_vote(actor=network["steward"], vote=vote)
    download = observer.get(f"/votes/{vote.id}/record.jsonl")
    report = ledger.verify(ledger.loads_jsonl(download.data))
    shown = page(observer, vote)
    assert re.search(r"Download the ballot record</a>\s*\(\d+ entries; the last one's hash is <code>"
                     + report.head + "</code>", shown)


def test_the_page_and_the_api_download_the_same_record(network, open_vote, as_role):
    vote = open_vote()
    observer = as_role("observer")
    assert observer.get(f"/votes/{vote.id}/record.jsonl").status_code == 409
    assert observer.get(f"/api/v1/votes/{vote.id}/record").status_code == 409
    closing.cancel_vote(actor=network["steward"], vote=vote, reason="The description was wrong.")
    from_page = observer.get(f"/votes/{vote.id}/record.jsonl")
    from_api = observer.get(f"/api/v1/votes/{vote.id}/record")
    assert from_page.status_code == from_api.status_code == 200
    assert from_page.data == from_api.data
    assert from_page.headers["Content-Disposition"] == from_api.headers["Content-Disposition"]
    assert from_page.mimetype == from_api.mimetype == "application/x-ndjson"


def test_stewards_see_a_warning_when_a_vote_could_not_close(network, open_vote, as_role):
    vote = open_vote()
    assert "could not close" not in page(as_role("steward"), vote)
    _set(vote, "close_error", "Only open amendments can go to a vote.")
    steward = page(as_role("steward"), vote)
    assert 'id="close-error"' in steward and "Only open amendments can go to a vote." in steward
    assert "cancel the vote below" in steward and "Cancel the vote</button>" in steward
    for role in ("observer", "delegate"):
        assert "could not close" not in page(as_role(role), vote), role


def test_a_secret_votes_form_does_not_say_the_mandate_is_published(network, open_vote, login, client):
    login(network["delegate"])
    public = page(client, open_vote())
    assert "It is published in the ballot record" in public
    closing.cancel_vote(actor=network["steward"], vote=db.session.scalar(db.select(Vote)), reason="Reopened.")
    secret = page(client, open_vote(secret=True))
    note_help = secret.split('id="note-help"', 1)[1].split("</p>", 1)[0]
    assert "the mandate is not written into the ballot record" in note_help and "published" not in note_help
    argument_help = secret.split('id="argument-help"', 1)[1].split("</p>", 1)[0] if 'id="argument-help"' in secret else ""
    assert "which can never be changed: do not write anyone" not in argument_help


def test_an_open_secret_vote_shows_the_batched_turnout(network, open_vote, other_delegate, as_role):
    vote = open_vote(secret=True)
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    services.cast_ballot(actor=other_delegate, vote=vote, choice="for")
    _set(vote, "published_turnout", 1)
    shown = page(as_role("observer"), vote)
    assert "1 of 2</strong>" in shown and "updated in batches" in shown
    listing = as_role("observer").get("/votes/").get_data(as_text=True)
    assert "1 co-op voted" in listing
    assert as_role("observer").get(f"/api/v1/votes/{vote.id}").get_json()["turnout"] == {"voted": 1, "electorate": 2}
    # A delegate's own page says the same: the batched figure is the only one anybody sees.
    assert "1 of 2</strong>" in page(as_role("delegate"), vote)


def test_the_new_vote_form_says_running_totals_are_not_for_secret_ballots(as_role, network):
    client = as_role("steward")
    form = client.get(f"/votes/new?subject=admission:{network['applicant'].id}").get_data(as_text=True)
    assert "Show running totals while the vote is open (not with a secret ballot" in form

    closes = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post("/votes/new", data={"subject": f"admission:{network['applicant'].id}", "secret": "y",
                                              "live_totals": "y", "rule_preset": "simple-majority", "closes_at": closes})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    field = body.split('name="live_totals"', 1)[1].split('name="quorum"', 1)[0]
    assert "Turn off live totals, or make the vote public." in field and 'class="error"' in field


def test_vote_templates_get_flags_not_permission_calls():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert "is_steward" not in text and "current_user.is_steward" not in text, template.name


# The rules, one table each ---------------------------------------------------------------------

def _vote(state="open", secret=False, live_totals=False, accepting=True):
    return SimpleNamespace(state=state, secret=secret, live_totals=live_totals,
                           accepts_ballots_at=lambda now: accepting and state == "open")


PERSON = SimpleNamespace(is_authenticated=True, is_steward=False)
STEWARD = SimpleNamespace(is_authenticated=True, is_steward=True)
ANONYMOUS = SimpleNamespace(is_authenticated=False, is_steward=False)


@pytest.mark.parametrize("state, secret, expected", [
    ("open", False, False), ("closed", False, True), ("cancelled", False, False),
    ("open", True, False), ("closed", True, False), ("cancelled", True, False)])
def test_who_voted_what_is_seen_once_a_public_vote_closed(state, secret, expected):
    for person in (None, ANONYMOUS, PERSON, STEWARD):
        assert permissions.can_see_ballots(person, _vote(state, secret)) is expected


@pytest.mark.parametrize("state, secret, live, expected", [
    ("open", False, True, True), ("open", False, False, False), ("open", True, True, False),
    ("closed", False, True, False)])
def test_running_totals_only_where_chosen_and_never_in_a_secret_vote(state, secret, live, expected):
    assert permissions.can_see_running_totals(None, _vote(state, secret, live)) is expected


@pytest.mark.parametrize("secret, coop_id, expected", [(False, 1, True), (False, 2, True), (True, 1, True),
                                                       (True, 2, False)])
def test_which_coop_objected_is_hidden_in_a_secret_vote_but_from_its_own(secret, coop_id, expected):
    objection = SimpleNamespace(coop_id=coop_id)
    assert permissions.can_see_objection_coop(PERSON, _vote(secret=secret), objection, {1}) is expected


@pytest.mark.parametrize("status, accepting, expected", [("member", True, True), ("suspended", True, False),
                                                         ("member", False, False)])
def test_casting_needs_an_open_vote_and_a_member_coop(status, accepting, expected):
    member = SimpleNamespace(coop=SimpleNamespace(status=status))
    vote = _vote(accepting=accepting)
    assert permissions.can_cast(PERSON, vote, utcnow(), [member]) is expected
    assert permissions.can_cast(ANONYMOUS, vote, utcnow(), [member]) is False
    assert permissions.can_cast(PERSON, vote, utcnow(), []) is False


def test_objections_are_withdrawn_by_their_coop_and_resolved_by_stewards():
    member, suspended = SimpleNamespace(status="member"), SimpleNamespace(status="suspended")
    blocking = SimpleNamespace(coop_id=1, blocks=True, coop=member)
    ended = SimpleNamespace(coop_id=1, blocks=False, coop=member)
    now, vote = utcnow(), _vote()
    assert permissions.can_withdraw_objection(PERSON, vote, blocking, {1}, now)
    # A suspended co-op cannot withdraw (the service refuses it too): no button for it.
    assert not permissions.can_withdraw_objection(PERSON, vote, SimpleNamespace(coop_id=1, blocks=True, coop=suspended),
                                                  {1}, now)
    assert not permissions.can_withdraw_objection(PERSON, vote, blocking, {2}, now)
    assert not permissions.can_withdraw_objection(PERSON, vote, ended, {1}, now)
    assert not permissions.can_withdraw_objection(PERSON, _vote(accepting=False), blocking, {1}, now)
    assert permissions.can_resolve_objection(STEWARD, vote, blocking, now)
    assert not permissions.can_resolve_objection(PERSON, vote, blocking, now)
    assert not permissions.can_resolve_objection(STEWARD, vote, ended, now)


def test_the_read_model_holds_only_what_the_person_may_see(network, open_vote, other_delegate):
    vote = open_vote()
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="for", note="Our AGM")
    services.cast_ballot(actor=other_delegate, vote=vote, choice="against")
    now = utcnow()
    anyone = queries.vote_page(vote, None, now)
    assert anyone.ballots == {} and anyone.my_ballots == [] and not anyone.can_cast and not anyone.can_manage
    assert anyone.turnout == {"turnout": 2, "electorate": 2} and anyone.record_head is None
    delegate = queries.vote_page(vote, network["delegate"], now)
    assert [(m.member.coop.name, m.ballot.note, m.can_vote) for m in delegate.my_ballots] == [("Kazi Riders", "Our AGM", True)]
    assert delegate.can_cast and delegate.ballots == {}
    closing.close_vote(actor=network["steward"], vote=vote)
    closed = queries.vote_page(db.session.get(Vote, vote.id), None, utcnow())
    assert set(closed.ballots) == {network["member"].id, other_delegate.coops[0].id}
    assert closed.can_download and closed.record_head and closed.entry_count == 4


def test_a_secret_votes_objections_show_no_times_and_no_casting_order(network, make_coop, make_delegate, steward,
                                                                    client):
    """In a consent vote an objection is a co-op's ballot: in a secret vote neither its time nor its
    place in the order it was raised is shown (the page and the API), as the sealed record shows none."""
    from deliberate.voting import objections

    coops = [make_coop(name=f"Objecting Co-op {n}") for n in range(3)]
    delegates = [make_delegate(coop=coop) for coop in coops]
    vote = services.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                              closes_at=utcnow() + timedelta(days=7), rule={"method": "consent", "secret": True})
    for delegate, coop, argument in zip(delegates, coops, ["Zeta reasons", "Alpha reasons", "Mid reasons"],
                                        strict=True):
        objections.raise_objection(actor=delegate, vote=vote, coop=coop, argument=argument)
    objections.withdraw_objection(actor=delegates[0], objection=queries.objections(vote)[-1], note="")
    listed = client.get(f"/api/v1/votes/{vote.id}/objections").get_json()["items"]
    assert [o["argument"] for o in listed] == ["Alpha reasons", "Mid reasons", "Zeta reasons"]
    assert all(o["created_at"] is None and o["resolved_at"] is None and o["coop"] is None for o in listed)
    html = page(client, vote)
    assert html.index("Alpha reasons") < html.index("Mid reasons") < html.index("Zeta reasons")
    assert "Withdrawn on" not in html and "withdrawn on" not in html
