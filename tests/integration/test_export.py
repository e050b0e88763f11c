"""Data portability: a person's export holds everything the platform keeps about them, and
nothing about anyone else."""
from __future__ import annotations

import json

import pytest

from deliberate.errors import PermissionDenied
from deliberate.members import erasure, rights
from tests.conftest import TEST_PASSWORD
from tests.integration.personal_data import EMAIL, NAME


def test_the_export_covers_every_section(world):
    data = erasure.export_person(actor=world["z"])
    json.dumps(data)  # JSON-able as a whole
    assert data["format"] == erasure.EXPORT_FORMAT
    assert set(rights.EXPORT_HOOKS) <= set(data)
    assert {"profile", "delegations", "invitations_sent", "password_resets", "comments", "amendments", "revisions",
            "ballots", "objections", "follows", "notifications", "live_editing"} <= set(data)


def test_the_export_holds_the_persons_data(world):
    data = erasure.export_person(actor=world["z"])
    assert data["profile"]["name"] == NAME and data["profile"]["email"] == EMAIL
    assert data["profile"]["last_sign_in_at"] is None or isinstance(data["profile"]["last_sign_in_at"], str)
    assert [d["coop"] for d in data["delegations"]] == ["Kazi Riders"]
    assert [i["email"] for i in data["invitations_sent"]] == ["friend@example.org"]
    [comment] = data["comments"]
    assert comment["body"] == "I think *together* matters a lot." and comment["quote"] == "Members own"
    assert [e["body"] for e in comment["earlier_wordings"]] == ["I think *together* matters."]
    [amendment] = data["amendments"]
    assert amendment["role"] == "author" and amendment["summary"] == "Add portability"
    assert amendment["your_drafts"][0]["proposed_body"] == "Members own their data and can take it away."
    [revision] = data["revisions"]
    assert revision["body"] == "Members own the platform, together." and revision["role"] == "author"
    [ballot] = data["ballots"]
    assert ballot["coop"] == "Kazi Riders" and ballot["choice"] == "for" and ballot["note"] == "Our assembly agreed"
    assert ballot["delegate_pseudonym_in_record"].startswith("d-")
    assert [f["standard"] for f in data["follows"]] == ["Member Data Rights"]


def test_a_coauthor_gets_the_amendment_too_but_not_the_authors_data(world):
    data = erasure.export_person(actor=world["other"])
    assert [(a["reference"], a["role"]) for a in data["amendments"]] == [(world["amendment"].reference, "co-author")]
    blob = json.dumps(data, ensure_ascii=False)
    assert EMAIL not in blob and NAME not in blob and "friend@example.org" not in blob
    assert "Our assembly agreed" not in blob  # Kazi Riders' ballot is not Otto's


def test_an_erased_person_has_nothing_to_export(world):
    person = world["z"]
    erasure.erase_self(actor=person, password=TEST_PASSWORD, comments="remove")
    with pytest.raises(PermissionDenied):
        erasure.export_person(actor=person)
