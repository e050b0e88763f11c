"""Vote pages as people use them: opening, the ballot form, objections, results, the record."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.members.models import Cooperative, Person
from deliberate.voting import closing, ledger, queries, services
from deliberate.voting.models import Objection, Vote
from tests.voting_support import SampleHandler  # noqa: F401  (registers the "sample" subject)


@pytest.fixture
def open_vote(network):
    def do(**options):
        options.setdefault("closes_at", utcnow() + timedelta(days=7))
        subject = options.pop("subject", ("admission", network["applicant"].id))
        return services.open_vote(actor=network["steward"], subject_kind=subject[0], subject_id=subject[1], **options)

    return do


def page(client, vote):
    response = client.get(f"/votes/{vote.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_steward_opens_an_admission_vote_through_the_form(as_role, network):
    client = as_role("steward")
    applicant = network["applicant"]
    form = client.get(f"/votes/new?subject=admission:{applicant.id}").get_data(as_text=True)
    assert "Admit New Co-op as a member" in form and 'selected value="simple-majority"' in form
    closes = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post("/votes/new", data={"subject": f"admission:{applicant.id}", "rule_preset": "two-thirds",
                                              "title": "Welcome New Co-op?", "quorum": "3/2", "closes_at": closes})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Welcome New Co-op?" in body and "quorum" in body
    response = client.post("/votes/new", data={"subject": f"admission:{applicant.id}", "rule_preset": "two-thirds",
                                               "title": "Welcome New Co-op?", "quorum": "2/3", "secret": "y",
                                               "closes_at": closes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    vote = db.session.scalar(select(Vote))
    assert response.headers["Location"].endswith(f"/votes/{vote.id}")
    assert (vote.title, vote.rule_preset, vote.rule["quorum"], vote.secret) == ("Welcome New Co-op?", "two-thirds", "2/3", True)
    shown = page(client, vote)
    assert "2/3 supermajority of votes cast, quorum 2/3 of member co-ops; secret ballot" in shown
    assert "adjusted for this vote" in shown and vote.text_hash in shown
    again = client.post("/votes/new", data={"subject": f"admission:{applicant.id}", "rule_preset": "two-thirds",
                                            "closes_at": closes})
    assert again.status_code == 409 and "already open" in again.get_data(as_text=True)


@pytest.mark.parametrize(("fields", "field", "english", "spanish"), [
    ({"quorum": "a third"}, "quorum", "Write the quorum as a fraction such as 2/3.",
     "Escribe el quórum como una fracción, por ejemplo 2/3."),
    ({"quorum": "3/2"}, "quorum", "The quorum must be more than 0 and at most 1, such as 1/3.",
     "El quórum debe ser mayor que 0 y como mucho 1, por ejemplo 1/3."),
    ({"threshold": "1/3"}, "threshold", "A supermajority needs more than 1/2 and at most 1, such as 2/3.",
     "Una mayoría cualificada necesita más de 1/2 y como mucho 1, por ejemplo 2/3."),
    ({"second_call_quorum": "3/4"}, "second_call_quorum",
     "The second-call quorum must be more than 0 and lower than the quorum (3/5).",
     "El quórum de segunda convocatoria debe ser mayor que 0 y menor que el quórum (3/5)."),
])
def test_a_rule_that_does_not_work_is_explained_in_the_stewards_language(as_role, network, fields, field, english,
                                                                         spanish):
    client = as_role("steward")
    closes = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    data = {"subject": f"admission:{network['applicant'].id}", "rule_preset": "two-thirds", "closes_at": closes,
            **fields}
    for headers, message in (({"Accept-Language": "en"}, english), ({"Accept-Language": "es"}, spanish)):
        refused = client.post("/votes/new", data=data, headers=headers)
        body = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 422
        assert message in body, body[body.find("error-summary"):][:600]
        assert f'href="#{field}"' in body  # the summary leads to the field that does not work


def test_the_ballot_form_round_trip(client, login, network, open_vote):
    vote = open_vote()
    login(network["delegate"])
    shown = page(client, vote)
    assert 'type="radio"' in shown and 'value="for"' in shown and "Voting for <strong>Kazi Riders</strong>" in shown
    assert "0 of 1</strong>" in shown
    response = client.post(f"/votes/{vote.id}/ballot", data={"coop": str(network["member"].id), "choice": "for",
                                                             "note": "https://kazi.example/minutes/12"})
    assert response.status_code == 302
    shown = page(client, vote)
    assert re.search(r"For,\s+cast by Delegate \d+ on", shown)
    assert "Mandate: https://kazi.example/minutes/12" in shown and "1 of 1</strong>" in shown
    assert re.search(r'<input checked[^>]*value="for"', shown)  # the current ballot, ready to change
    assert client.post(f"/votes/{vote.id}/ballot", data={"choice": "against"}).status_code == 302
    ballots = queries.ballots(vote)
    assert len(ballots) == 1 and ballots[0].choice == "against" and ballots[0].note == ""


def test_a_refused_ballot_re_renders_with_everything_typed(client, login, network, open_vote):
    vote = open_vote()
    login(network["delegate"])
    response = client.post(f"/votes/{vote.id}/ballot", data={"note": "Minutes of our assembly, item 4"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose how your co-op votes." in body and "Minutes of our assembly, item 4" in body
    assert queries.ballots(vote) == []


def test_consent_objections_through_the_page(client, login, network, open_vote, as_role):
    vote = open_vote(rule_preset="consent")
    login(network["delegate"])
    refused = client.post(f"/votes/{vote.id}/ballot", data={"choice": "object", "passage": "as a member"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "needs its reasons" in body and "as a member" in body
    done = client.post(f"/votes/{vote.id}/ballot", data={"choice": "object", "passage": "as a member",
                                                         "argument": "We have not met them yet.", "paramount": "y"})
    assert done.status_code == 302
    shown = page(client, vote)
    assert "We have not met them yet." in shown and "(claimed paramount)" in shown and "Withdraw this objection" in shown
    objection = db.session.scalar(select(Objection))
    steward = as_role("steward")
    assert "Record how it ended" in page(steward, vote)
    missing = steward.post(f"/votes/{vote.id}/objections/{objection.id}/resolve", data={"outcome": "resolved"})
    assert missing.status_code == 422 and "Name the amendment" in missing.get_data(as_text=True)
    upheld = steward.post(f"/votes/{vote.id}/objections/{objection.id}/resolve",
                          data={"outcome": "upheld", "note": "It is a real risk."})
    assert upheld.status_code == 302
    assert client.post(f"/votes/{vote.id}/objections/{objection.id}/withdraw", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Objection, objection.id).status == "withdrawn"
    concern = client.post(f"/votes/{vote.id}/concerns", data={"argument": "Check their bylaws next year."})
    assert concern.status_code == 302 and "Check their bylaws next year." in page(client, vote)


def test_a_ranked_ballot_works_without_javascript(client, login, network, open_vote):
    vote = open_vote(subject=("sample", 1))
    login(network["delegate"])
    shown = page(client, vote)
    for index, label in enumerate(["Wording A", "Wording B", "Wording C", "Keep the text as it is"]):
        assert f'<label for="rank-{index}">{label}' in shown
    duplicate = client.post(f"/votes/{vote.id}/ballot", data={"rank-0": "1", "rank-1": "1"})
    assert duplicate.status_code == 422 and "different number" in duplicate.get_data(as_text=True)
    assert re.search(r'<option value="1" selected>', duplicate.get_data(as_text=True))
    empty = client.post(f"/votes/{vote.id}/ballot", data={})
    assert empty.status_code == 422 and "Rank at least one option" in empty.get_data(as_text=True)
    assert client.post(f"/votes/{vote.id}/ballot", data={"rank-1": "1", "rank-3": "2", "rank-0": "3"}).status_code == 302
    assert queries.ballots(vote)[0].ranking == ["b", "status_quo", "a"]
    assert "Wording B › The status quo › Wording A" in page(client, vote)
    assert client.post(f"/votes/{vote.id}/ballot", data={"abstain": "y"}).status_code == 302
    assert queries.ballots(db.session.get(Vote, vote.id))[0].ranking == []


@pytest.fixture
def more_coops(network, make_delegate):
    """Two more member co-ops with a delegate each (the electorate is then three)."""
    return [make_delegate(name=f"Voter {i}", email=f"voter{i}@example.org") for i in range(2)]


def test_a_secret_vote_page_shows_only_totals_and_each_coop_its_receipt(client, login, network, open_vote, more_coops,
                                                                      as_role):
    vote = open_vote(secret=True)
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="for", note="Our mandate")
    services.cast_ballot(actor=more_coops[0], vote=vote, choice="against")
    services.cast_ballot(actor=more_coops[1], vote=vote, choice="for")
    receipt = next(b.receipt for b in queries.ballots(vote) if b.coop_id == network["member"].id)
    closing.close_vote(actor=network["steward"], vote=vote)
    observer = page(as_role("observer"), vote)
    assert "Result: adopted" in observer and "2 for, 1 against, 0 abstained" in observer
    assert "secret ballot" in observer and receipt not in observer
    assert "Voter 0" not in observer and "Our mandate" not in observer and "Did not vote" not in observer
    assert "<svg" in observer and "<title id=" in observer and "<th scope=\"row\">For</th><td>2</td>" in observer
    login(network["delegate"])
    own = page(client, vote)
    assert receipt in own and "Our mandate" in own
    record = client.get(f"/votes/{vote.id}/record.jsonl").get_data(as_text=True)
    assert receipt in record


def test_a_public_vote_shows_who_voted_what_after_close_only(network, open_vote, more_coops, as_role):
    vote = open_vote(live_totals=False)
    services.cast_ballot(actor=more_coops[0], vote=vote, choice="against", note="Decided at our AGM")
    observer = as_role("observer")
    shown = page(observer, vote)
    assert "stays hidden until the vote closes" in shown and "Decided at our AGM" not in shown
    assert "1 of 3</strong>" in shown
    closing.close_vote(actor=network["steward"], vote=vote)
    shown = page(observer, vote)
    coop = more_coops[0].coops[0]
    assert re.search(rf"{coop.name}</th>\s*<td>Against</td>\s*<td>Decided at our AGM</td>\s*<td>Voter 0</td>", shown)
    assert "Did not vote" in shown and "Result: rejected" in shown
    db.session.execute(delete(Person).where(Person.id == more_coops[0].id))
    db.session.commit()
    assert f"a former delegate of {coop.name}" in page(observer, vote)


def test_running_totals_are_live_only_when_chosen(network, open_vote, as_role):
    vote = open_vote(live_totals=True)
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    shown = page(as_role("observer"), vote)
    assert "Running totals" in shown and "<th scope=\"row\">For</th><td>1</td>" in shown


def test_the_record_download(network, open_vote, as_role, tmp_path):
    vote = open_vote()
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    response = as_role("observer").get(f"/votes/{vote.id}/record.jsonl")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="vote-{vote.id}.jsonl"'
    assert response.data == queries.export_ledger(vote).encode("utf-8")
    report = ledger.verify(ledger.loads_jsonl(response.data))
    assert report.ok and report.recomputed.to_dict() == db.session.get(Vote, vote.id).result
    shown = page(as_role("observer"), vote)
    assert f"deliberate verify vote-{vote.id}.jsonl" in shown and report.head in shown


def test_stewards_close_early_cancel_and_state_the_outcome(network, open_vote, as_role, make_coop):
    steward = as_role("steward")
    vote = open_vote()
    services.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    assert steward.post(f"/votes/{vote.id}/close", data={}).status_code == 302
    shown = page(steward, vote)
    assert "Result: adopted" in shown and "New Co-op is now a member." in shown
    assert db.session.get(Cooperative, network["applicant"].id).status == "member"
    bad_date = steward.post(f"/votes/{vote.id}/statement", data={"text": "Welcome aboard!", "review_date": "soon"})
    assert bad_date.status_code == 422 and "Welcome aboard!" in bad_date.get_data(as_text=True)
    stated = steward.post(f"/votes/{vote.id}/statement", data={"text": "Welcome aboard!", "review_date": "2099-01-31"})
    assert stated.status_code == 302
    shown = page(as_role("observer"), vote)
    assert "Welcome aboard!" in shown and "To be reviewed by 31 January 2099" in shown
    other = open_vote(subject=("admission", make_coop("applicant", name="Second Applicant").id))
    refused = steward.post(f"/votes/{other.id}/cancel", data={"reason": ""})
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    assert steward.post(f"/votes/{other.id}/cancel", data={"reason": "Their description was wrong."}).status_code == 302
    assert "Their description was wrong." in page(as_role("observer"), other)


def test_the_list_of_votes(network, open_vote, as_role, make_coop):
    vote = open_vote()
    closed = open_vote(subject=("admission", make_coop("applicant", name="Closed Applicant").id))
    closing.close_vote(actor=network["steward"], vote=closed)
    waiting = make_coop("applicant", name="Waiting Applicant")
    delegate = as_role("delegate").get("/votes/").get_data(as_text=True)
    assert "Waiting for your co-op" in delegate and "Kazi Riders has not voted yet" in delegate
    assert f'href="/votes/{vote.id}"' in delegate and f'href="/votes/{closed.id}"' in delegate
    assert "Waiting Applicant" not in delegate
    steward = as_role("steward").get("/votes/").get_data(as_text=True)
    assert f"/votes/new?subject=admission:{waiting.id}" in steward and "Votes</a>" in steward
    assert "Waiting for your co-op" not in as_role("observer").get("/votes/").get_data(as_text=True)


def test_every_problem_rules_py_names_has_a_wording():
    """A RuleError with a code (rules.py) reads in the steward's language, never as the verifier's English."""
    import inspect

    from deliberate.voting import rules

    codes = set(re.findall(r'code="(\w+)"', inspect.getsource(rules)))
    assert "fraction" in codes and len(codes) >= 7
    assert codes - {"fraction"} <= set(services._RULE_PROBLEMS)
    assert {"quorum", "threshold", "second_call_quorum"} <= set(services._FRACTION_PROBLEMS)
