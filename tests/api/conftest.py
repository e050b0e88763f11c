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


def _build_world() -> dict:
    """The shared ``network`` plus: another member co-op and its delegate, an open amendment and a
    draft by the delegate, a comment, an open admission vote (majority) and an open consent vote,
    a declaration and a question on it, a proxy. Built once per module (``build_world_once``):
    returns the network's ids, the factories' numbering after it, and the other objects' ids."""
    from deliberate.database import utcnow
    from deliberate.discussions import services as discussions
    from deliberate.proposals import services as proposals
    from deliberate.proxies import services as proxies
    from deliberate.registry import services as registry
    from deliberate.versions import services as versions
    from deliberate.voting import closing, objections
    from deliberate.voting import services as voting
    from tests.conftest import Factories, Numbering, _load_network

    numbers = Numbering()
    factories = Factories(numbers)
    network = _load_network(factories.make_network())
    steward, delegate = network["steward"], network["delegate"]
    other = factories.make_coop(name="Other Co-op")
    other_delegate = factories.make_delegate(coop=other, email="other@example.org")
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
    applicant2 = factories.make_coop("applicant", name="Second Applicant")
    consent = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant2.id,
                               closes_at=later, rule_preset="consent")
    # A standing objection by the other co-op in the consent vote.
    objection = objections.raise_objection(actor=other_delegate, vote=consent, argument="It leaves out freelancers.")
    # The delegate's co-op declares that it adopts 1.0 (deliberate/registry/).
    declaration = registry.declare(actor=delegate, coop=network["member"], version=version, stance="adopts", claims={
        s.key: {"status": "met", "justification": "We do.", "evidence_url": "https://kazi.example.org/x"}
        for s in standard.sections})
    # The other co-op questions that declaration (deliberate/registry/: it may escalate it).
    question = registry.ask_question(actor=other_delegate, coop=other, declaration=declaration,
                                     reasons="Your bylaws say otherwise.")
    # The other co-op offers its vote to the delegate's co-op for every vote (deliberate/proxies/).
    proxy = proxies.give_proxy(actor=other_delegate, giver=other, holder=network["member"], scope="network",
                               ends_at=utcnow() + timedelta(days=60))
    objects = {"declaration": declaration, "proxy": proxy, "question": question, "other": other, "version": version,
               "ratification": ratification, "objection": objection, "section2": standard.sections[1],
               "other_delegate": other_delegate, "opened": opened, "draft": draft, "comment": comment,
               "vote": admission, "consent_vote": consent}
    network_ids = {name: network[name].id for name in
                   ("steward", "delegate", "suspended_delegate", "member", "suspended", "applicant", "standard")}
    return {"ids": network_ids, "numbers": dict(numbers.next),
            "objects": {name: (type(thing), thing.id) for name, thing in objects.items()}}


@pytest.fixture(scope="module")
def api_world_file(database_template, tmp_path_factory):
    from tests.conftest import build_world_once

    return build_world_once(database_template, tmp_path_factory, _build_world, "api-world")


@pytest.fixture
def network_copy(request, app_config):
    """For a test that asks for ``world``: the module's world, built once, as the network's copy
    (the ``database_url``, ``app``, ``steward`` and ``network`` fixtures start from it, and the
    factories number after it). Otherwise the shared network's copy, as everywhere else."""
    from tests.conftest import _NETWORK_COPIES, ON_POSTGRES, _config_key

    if "world" in request.fixturenames:
        kept, built = request.getfixturevalue("api_world_file")
        return {"ids": built["ids"], "numbers": built["numbers"], ("rows" if ON_POSTGRES else "file"): kept}
    if "network" not in request.fixturenames:
        return None
    return _NETWORK_COPIES.get(_config_key(app_config))


@pytest.fixture
def world(network, api_world_file):
    """The network and everything ``_build_world`` made, loaded in the test's own session."""
    from deliberate.extensions import db

    objects = {name: db.session.get(model, ident) for name, (model, ident) in api_world_file[1]["objects"].items()}
    return {**network, **objects}


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
