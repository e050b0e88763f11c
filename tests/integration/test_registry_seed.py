"""The registry in the demo network: seed() runs seed_registry() (through seed_features)."""
from __future__ import annotations

from sqlalchemy import select

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.registry import chain, queries, services
from deliberate.registry.models import Declaration, DeclarationQuestion
from deliberate.seed import seed
from deliberate.standards.services import get_standard
from deliberate.versions.models import Version


def test_the_demo_shows_every_part_of_the_registry(app, client):
    seed()
    now = utcnow()
    views = queries.standard_declarations(get_standard("platform-co-op-principles"), now) + \
        queries.standard_declarations(get_standard("member-data-rights"), now)
    states = {(v.declaration.coop.name, v.declaration.standard.slug, v.declaration.version.number): v.state
              for v in views}
    stances = {v.declaration.stance for v in views if v.state == "current"}
    assert {"adopts", "aspires"} <= stances
    assert states[("Open Ledger", "member-data-rights", "1.0")] == "lapsed"
    assert states[("Kazi Riders", "platform-co-op-principles", "1.1")] == "superseded"
    reaffirmed = db.session.scalar(select(Declaration).where(Declaration.reaffirms_id.is_not(None)))
    assert reaffirmed.version.number == "2.0" and any(c.carried for c in reaffirmed.claims)
    questions = list(db.session.scalars(select(DeclarationQuestion)))
    assert {q.state for q in questions} == {"answered", "open"}
    data_v1 = db.session.scalar(select(Version).where(Version.standard_id == get_standard("member-data-rights").id))
    maturities = {r.section["key"]: r.track.maturity for r in queries.implementation_report(data_v1, now)}
    assert sorted(maturities.values()) == ["at_risk", "standard"]
    assert chain.verify(services.entries(db.session)) == []
    for path in ("/standards/platform-co-op-principles/registry", "/standards/member-data-rights/registry",
                 "/standards/member-data-rights/v/1.0/implementation", "/coops/kazi-riders/declarations",
                 f"/declarations/{reaffirmed.id}", f"/declarations/{questions[0].declaration_id}"):
        assert client.get(path).status_code == 200, path
