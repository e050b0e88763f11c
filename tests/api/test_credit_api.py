"""API: contribution records match their published schemas and the pages' JSON downloads."""
from __future__ import annotations

from deliberate.api.openapi import PREFIX, document
from deliberate.api.schemas import COMPONENTS
from deliberate.api.validation import validate
from deliberate.members import erasure
from tests.credit_scene import build_scene


def test_a_release_record_and_a_co_ops_contributions(client, steward, make_coop, make_delegate, make_standard):
    scene = build_scene(steward, make_coop, make_delegate, make_standard)
    slug, number = scene["standard"].slug, scene["second"].number
    erasure.erase_person(actor=steward, person_id=scene["ana"].id, reason="request")
    response = client.get(f"{PREFIX}/standards/{slug}/versions/{number}/contributions")
    assert response.status_code == 200
    data = response.get_json()
    assert validate(data, COMPONENTS["ContributionRecord"], COMPONENTS) == {}
    assert sum(p["words"] for p in data["people"]) == data["total_words"] == sum(c["words"] for c in data["coops"])
    former = [p for p in data["people"] if p["former_delegate"]]
    assert [p["name"] for p in former] == ["a former delegate of Kazi Riders"] and former[0]["person_id"] is None
    assert "Ana" not in response.get_data(as_text=True)
    download = client.get(f"/standards/{slug}/v/{number}/contributions.json").get_json()
    assert download == data

    coop = client.get(f"{PREFIX}/coops/{scene['mesa'].slug}/contributions").get_json()
    assert validate(coop, COMPONENTS["Contributions"], COMPONENTS) == {}
    assert [r["release"]["number"] for r in coop["releases"]] == [number]
    assert coop["releases"][0]["amendments"]["proposed"] == [scene["amendment"].reference]
    assert client.get(f"{PREFIX}/standards/{slug}/versions/7.0/contributions").status_code == 404


def test_the_operations_are_documented():
    paths = document()["paths"]
    assert "/standards/{slug}/versions/{number}/contributions" in paths
    assert "/coops/{coop_slug}/contributions" in paths
