"""Contribution record pages and downloads: what observers see, erasure on the page, safe CSV."""
from __future__ import annotations

import csv
import io

from deliberate.members import erasure
from tests.credit_scene import build_scene


def _scene(steward, make_coop, make_delegate, make_standard, **kw):
    return build_scene(steward, make_coop, make_delegate, make_standard, **kw)


def test_the_release_page_is_linked_from_the_version_and_explains_its_method(client, steward, make_coop, make_delegate,
                                                                             make_standard):
    scene = _scene(steward, make_coop, make_delegate, make_standard)
    slug, number = scene["standard"].slug, scene["second"].number
    version_page = client.get(f"/standards/{slug}/v/{number}").get_data(as_text=True)
    assert f"/standards/{slug}/v/{number}/contributions" in version_page
    response = client.get(f"/standards/{slug}/v/{number}/contributions")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("Ana Pérez", "Bo Lind", "Cy Moss", "Kazi Riders", "Mesa Data", "Tide Co-op", "How this is counted",
                 scene["amendment"].reference, f"/people/{scene['bo'].id}/contributions",
                 f"/coops/{scene['mesa'].slug}/contributions"):
        assert text in page, text
    assert "score" not in page.replace("Nothing here is a score", "")
    # A co-op's and a person's pages across releases.
    coop = client.get(f"/coops/{scene['mesa'].slug}/contributions").get_data(as_text=True)
    assert f"/standards/{slug}/v/{number}/contributions" in coop and "Mesa Data" in coop
    assert f"/coops/{scene['mesa'].slug}/contributions" in client.get(f"/coops/{scene['mesa'].slug}").get_data(as_text=True)
    person = client.get(f"/people/{scene['bo'].id}/contributions")
    assert person.status_code == 200 and "Bo Lind" in person.get_data(as_text=True)


def test_an_erased_delegate_reads_as_a_former_delegate_and_has_no_page(client, steward, make_coop, make_delegate,
                                                                        make_standard):
    scene = _scene(steward, make_coop, make_delegate, make_standard)
    ana = scene["ana"].id
    assert client.get(f"/people/{ana}/contributions").status_code == 200
    erasure.erase_person(actor=steward, person_id=ana, reason="request")
    slug, number = scene["standard"].slug, scene["second"].number
    page = client.get(f"/standards/{slug}/v/{number}/contributions").get_data(as_text=True)
    assert "Ana" not in page and "a former delegate of Kazi Riders" in page
    assert f"/people/{ana}/contributions" not in page
    for suffix in ("", ".csv", ".json"):
        assert client.get(f"/people/{ana}/contributions{suffix}").status_code == 404
    csv_text = client.get(f"/standards/{slug}/v/{number}/contributions.csv").get_data(as_text=True)
    assert "Ana" not in csv_text and "a former delegate of Kazi Riders" in csv_text


def test_csv_downloads_are_attachments_safe_from_formulas(client, steward, make_coop, make_delegate, make_standard):
    scene = _scene(steward, make_coop, make_delegate, make_standard, kazi_name="=HYPERLINK(1)")
    slug, number = scene["standard"].slug, scene["second"].number
    response = client.get(f"/standards/{slug}/v/{number}/contributions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert {r["scope"] for r in rows} == {"co-op", "person"}
    assert any(r["coop"] == "'=HYPERLINK(1)" for r in rows)
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())
    words = {r["name"]: int(r["words"]) for r in rows if r["scope"] == "co-op"}
    assert words["Mesa Data"] == 6
    for path in (f"/coops/{scene['mesa'].slug}/contributions.csv", f"/people/{scene['bo'].id}/contributions.csv"):
        got = client.get(path)
        assert got.status_code == 200 and got.mimetype == "text/csv", path
        assert "Data rights" not in got.get_data(as_text=True)  # a row per release, no text
    assert client.get(f"/coops/{scene['mesa'].slug}/contributions.json").get_json()["kind"] == "coop"


def test_unknown_and_hidden_things_are_not_found(client, network, make_coop):
    applicant = make_coop("applicant", name="Not Yet Co-op")
    std = network["standard"].slug
    assert client.get(f"/coops/{applicant.slug}/contributions").status_code == 404
    assert client.get(f"/coops/{applicant.slug}/contributions.json").status_code == 404
    assert client.get(f"/standards/{std}/v/3.0/contributions").status_code == 404
    assert client.get(f"/standards/{std}/v/x/contributions").status_code == 404
    assert client.get(f"/standards/{std}/v/1.0/contributions.xlsx").status_code == 404
    assert client.get(f"/people/{network['delegate'].id}/contributions").status_code == 404  # nothing ratified yet
