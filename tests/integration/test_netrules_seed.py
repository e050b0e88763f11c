"""The demo's network rules: version 1.0, one ratified change under the ratchet, version 1.1."""
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.policies import changes, netrules, queries
from deliberate.proposals.models import Amendment
from deliberate.versions.models import Version


def test_seed_netrules_ratifies_a_change_of_the_networks_rules(seeded_demo):
    # The seeded demo (seed(): seed_features runs seed_netrules)
    rules = netrules.network_rules_standard()
    numbers = [(v.number, v.state) for v in db.session.scalars(select(Version).where(Version.standard_id == rules.id)
                                                                 .order_by(Version.id))]
    assert numbers == [("1.0", "ratified"), ("1.1", "ratified")]
    change = db.session.scalar(select(Amendment).where(Amendment.kind == "policy"))
    assert change.state == "adopted"
    assert (change.terms["rule"], change.terms["quorum"], change.terms["ratchet"]["decided_by"]) == \
        ("consent", "3/5", "combined")
    assert queries.network_policy()["amendments"]["principle"] == "three-quarters"
    assert [e.amendment.id for e in changes.history(rules)] == [change.id]
    latest = db.session.scalar(select(Version).where(Version.standard_id == rules.id, Version.number == "1.1"))
    assert latest.amendment_ids == [change.id]
