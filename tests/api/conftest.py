"""API fixtures: a small network with something of everything, and a token per role."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import TEST_PASSWORD

ROLES = ("observer", "delegate", "other_delegate", "suspended_delegate", "steward")


@pytest.fixture
def app_config():
    # Every JSON response the API sends in these tests is checked against its declared schema.
    return {"API_VALIDATE_RESPONSES": True}


@pytest.fixture
def world(network, make_coop, make_delegate):
    """The shared ``network`` plus: another member co-op and its delegate, an open amendment and a
    draft by the delegate, a comment, an open admission vote (majority) and an open consent vote."""
    from deliberate.database import utcnow
    from deliberate.discussions import services as discussions
    from deliberate.proposals import services as proposals
    from deliberate.versions import services as versions
    from deliberate.voting import closing, objections
    from deliberate.voting import services as voting

    steward, delegate = network["steward"], network["delegate"]
    other = make_coop(name="Other Co-op")
    other_delegate = make_delegate(coop=other, email="other@example.org")
    standard, section = network["standard"], network["section"]
    # Version 1.0, ratified by both member co-ops.
    version = versions.assemble_version(actor=steward, standard=standard, summary="The founding text.")
    ratification = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    for person in (delegate, other_delegate):
        voting.cast_ballot(actor=person, vote=ratification, choice="for", note="Our assembly agreed.")
    ratification = closing.close_vote(actor=steward, vote=ratification)
    opened = proposals.propose_amendment(actor=delegate, standard=standard, kind="modify", section=section,
                                         summary="Say members own it together.", proposed_title=section.title,
                                         proposed_body="Members own and govern the platform together.")
    opened = proposals.open_amendment(actor=delegate, amendment=opened)
    draft = proposals.propose_amendment(actor=delegate, standard=standard, kind="modify",
                                        section=standard.sections[1], summary="A draft.",
                                        proposed_title="Data rights", proposed_body="Members own their data, always.")
    comment = discussions.post_comment(actor=delegate, subject_kind="standard", subject_id=standard.id,
                                       body="A first comment.")
    later = utcnow() + timedelta(days=7)
    admission = voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                                 closes_at=later, rule_preset="simple-majority")
    applicant2 = make_coop("applicant", name="Second Applicant")
    consent = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant2.id,
                               closes_at=later, rule_preset="consent")
    # A standing objection by the other co-op in the consent vote.
    objection = objections.raise_objection(actor=other_delegate, vote=consent, argument="It leaves out freelancers.")
    # The delegate's co-op declares that it adopts 1.0 (deliberate/registry/).
    from deliberate.registry import services as registry

    declaration = registry.declare(actor=delegate, coop=network["member"], version=version, stance="adopts", claims={
        s.key: {"status": "met", "justification": "We do.", "evidence_url": "https://kazi.example.org/x"}
        for s in standard.sections})
    # The other co-op questions that declaration (deliberate/registry/: it may escalate it).
    question = registry.ask_question(actor=other_delegate, coop=other, declaration=declaration,
                                     reasons="Your bylaws say otherwise.")
    # The other co-op offers its vote to the delegate's co-op for every vote (deliberate/proxies/).
    from deliberate.proxies import services as proxies

    proxy = proxies.give_proxy(actor=other_delegate, giver=other, holder=network["member"], scope="network",
                               ends_at=utcnow() + timedelta(days=60))
    return {**network, "declaration": declaration, "proxy": proxy, "question": question,
            "other": other, "version": version, "ratification": ratification, "objection": objection,
            "section2": standard.sections[1], "other_delegate": other_delegate, "opened": opened, "draft": draft,
            "comment": comment, "vote": admission, "consent_vote": consent}


@pytest.fixture
def make_token(app):
    from deliberate.api import tokens

    def make(person, scopes=("read", "write", "vote"), name="test token"):
        _token, raw = tokens.create_token(actor=person, name=name, scopes=list(scopes), password=TEST_PASSWORD)
        return raw

    return make


@pytest.fixture
def api(client):
    """``api(method, path, token=None, json=..., **kw)`` against /api/v1."""

    def call(method, path, token=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def role_tokens(world, make_token):
    return {role: (None if role == "observer" else make_token(world[role])) for role in ROLES}
