"""The registry's pages as people use them: declaring through the form, the public registry and
its filters, the implementation report, re-affirming with the diff, questions, the co-op's page,
the feeds, the badge and the record."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.registry import chain, services
from deliberate.registry.models import Declaration, DeclarationQuestion
from tests.registry_support import full_claims, ratify, revise, world


@pytest.fixture
def w(network, make_coop, make_delegate):
    return world(network, make_coop, make_delegate)


def form(keys, status="met", evidence="https://kazi.example.org/report", stance="adopts"):
    data = {"stance": stance, "note": "We follow it."}
    for key in keys:
        data.update({f"status-{key}": status, f"justification-{key}": "Every day.", f"evidence-{key}": evidence})
    return data


def test_a_delegate_declares_through_the_form_and_everyone_reads_it(client, login, w):
    login(w["amara"])
    page = client.get(f"/standards/{w['standard'].slug}/v/1.0/declare")
    assert page.status_code == 200 and 'name="status-member-ownership"' in page.get_data(as_text=True)
    response = client.post(f"/standards/{w['standard'].slug}/v/1.0/declare", data=form(w["keys"]))
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    declaration = db.session.scalar(select(Declaration))
    assert response.headers["Location"].endswith(f"/declarations/{declaration.id}")
    client.post("/signout")
    shown = client.get(f"/declarations/{declaration.id}").get_data(as_text=True)
    assert "Kazi Riders" in shown and "in force" in shown and w["amara"].name in shown
    registry = client.get(f"/standards/{w['standard'].slug}/registry").get_data(as_text=True)
    assert f"declaration-row-{declaration.id}" in registry and "evidence" in registry


def test_a_refused_form_keeps_what_was_typed(client, login, w):
    login(w["amara"])
    data = form(w["keys"], evidence="http://intranet/secret")
    response = client.post(f"/standards/{w['standard'].slug}/v/1.0/declare", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "https://" in body and "http://intranet/secret" in body
    assert db.session.scalar(select(Declaration)) is None


def test_the_registry_filters(client, w):
    services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                     claims=full_claims(w["keys"]))
    services.declare(actor=w["lucia"], coop=w["dades"], version=w["version"], stance="aspires",
                     claims=full_claims(w["keys"], status="not_met", evidence=""))
    slug = w["standard"].slug

    def rows(query):
        body = client.get(f"/standards/{slug}/registry?{query}").get_data(as_text=True)
        return {name for name in ("Kazi Riders", "Dades Comunes") if f">{name}</a></th>" in body}

    assert rows("") == {"Kazi Riders", "Dades Comunes"}
    assert rows("stance=aspires") == {"Dades Comunes"}
    assert rows(f"coop={w['kazi'].slug}") == {"Kazi Riders"}
    assert rows(f"section={w['keys'][0]}&status=met") == {"Kazi Riders"}
    assert rows("status=not_met") == {"Dades Comunes"}
    assert rows("state=lapsed") == set()


def test_the_implementation_report_names_the_evidence(client, w):
    services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                     claims=full_claims(w["keys"]))
    services.declare(actor=w["lucia"], coop=w["dades"], version=w["version"], stance="adopts",
                     claims=full_claims(w["keys"], evidence="https://dades.example.org/bylaws"))
    body = client.get(f"/standards/{w['standard'].slug}/v/1.0/implementation").get_data(as_text=True)
    assert "https://dades.example.org/bylaws" in body and "badge-standard" in body


def test_reaffirming_shows_what_changed_since_the_declared_version(client, login, w):
    services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                     claims=full_claims(w["keys"]))
    revise(w["steward"], w["standard"].slug, 1, "Members own their data and decide who may use it.")
    ratify(w["steward"], w["standard"].slug, w["voters"], "Stronger data rights.")
    login(w["amara"])
    mine = client.get(f"/coops/{w['kazi'].slug}/declarations").get_data(as_text=True)
    assert "/v/1.1/reaffirm" in mine
    page = client.get(f"/standards/{w['standard'].slug}/v/1.1/reaffirm").get_data(as_text=True)
    assert "What changed since you declared 1.0" in page and "<ins" in page
    assert f'name="status-{w["keys"][1]}"' in page and f'name="status-{w["keys"][0]}"' not in page
    response = client.post(f"/standards/{w['standard'].slug}/v/1.1/reaffirm",
                           data={"stance": "adopts", f"status-{w['keys'][1]}": "partly",
                                 f"justification-{w['keys'][1]}": "Consent is asked, not recorded."})
    assert response.status_code == 302
    newest = db.session.scalar(select(Declaration).order_by(Declaration.id.desc()))
    assert newest.version.number == "1.1" and newest.reaffirms_id is not None
    assert "carried over" in client.get(f"/declarations/{newest.id}").get_data(as_text=True)


def test_question_answer_and_escalation_through_the_pages(client, login, w):
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]))
    login(w["lucia"])
    assert client.post(f"/declarations/{d.id}/questions", data={"reasons": "Your minutes say otherwise."}
                       ).status_code == 302
    client.post("/signout")
    login(w["amara"])
    page = client.get(f"/declarations/{d.id}").get_data(as_text=True)
    assert "Your minutes say otherwise." in page and "Publish the answer" in page
    question_id = int(page.split('id="question-')[1].split('"')[0])
    assert client.post(f"/questions/{question_id}/answer", data={"answer": "We fixed it."}).status_code == 302
    client.post("/signout")
    login(w["lucia"])
    response = client.post(f"/questions/{question_id}/escalate", data={"proposed_change": "Say not met."})
    # Escalating files the formal objection: the delegate lands on it.
    objection_id = db.session.get(DeclarationQuestion, question_id).objection_id
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/objections/{objection_id}")
    page = client.get(f"/declarations/{d.id}").get_data(as_text=True)
    assert "We fixed it." in page and "Taken to the formal objection process" in page
    # The question shows its objection; the objection shows the question.
    assert f'href="/objections/{objection_id}"' in page and f'id="question-objection-{question_id}"' in page
    objection_page = client.get(f"/objections/{objection_id}").get_data(as_text=True)
    assert "Say not met." in objection_page and "Read the question on the declaration" in objection_page
    assert f'href="/declarations/{d.id}#question-{question_id}"' in objection_page


def test_a_lapsed_declaration_reads_lapsed_everywhere(client, w):
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]), now=utcnow() - timedelta(days=600))
    assert "badge-lapsed" in client.get(f"/declarations/{d.id}").get_data(as_text=True)
    svg = client.get(f"/coops/{w['kazi'].slug}/badge/{w['standard'].slug}.svg").get_data(as_text=True)
    assert "lapsed" in svg


def test_the_badge_is_an_escaped_cached_image(client, w, network):
    from deliberate.standards import services as standards

    hostile = standards.create_standard(actor=w["steward"], title='<b onload="x">Std</b> & co', summary="s",
                                        sections=[("One", "Text.")])
    svg = client.get(f"/coops/{w['kazi'].slug}/badge/{hostile.slug}.svg").get_data(as_text=True)
    assert "<b " not in svg and "&lt;b onload=&quot;x&quot;&gt;" in svg and "no declaration" in svg
    response = client.get(f"/coops/{w['kazi'].slug}/badge/{w['standard'].slug}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "public" in response.headers["Cache-Control"] and response.headers.get("ETag")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    ET.fromstring(response.get_data())
    again = client.get(f"/coops/{w['kazi'].slug}/badge/{w['standard'].slug}.svg",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_feeds_per_coop_and_per_standard(client, w):
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]))
    for path in (f"/coops/{w['kazi'].slug}/declarations.json", f"/standards/{w['standard'].slug}/registry.json"):
        body = json.loads(client.get(path).get_data())
        assert body["version"].startswith("https://jsonfeed.org/") and body["items"][0]["_declaration"]["id"] == d.id
        assert body["items"][0]["_declaration"]["sections"][0]["status"] == "met"
    for path in (f"/coops/{w['kazi'].slug}/declarations.atom", f"/standards/{w['standard'].slug}/registry.atom"):
        response = client.get(path)
        root = ET.fromstring(response.get_data())
        assert response.mimetype == "application/atom+xml" and len(root.findall("{http://www.w3.org/2005/Atom}entry")) == 1


def test_the_record_downloads_and_verifies_with_the_cli(client, w, app, tmp_path):
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]))
    services.ask_question(actor=w["lucia"], coop=w["dades"], declaration=d, reasons="Really?")
    data = client.get("/registry.jsonl").get_data()
    assert chain.verify(chain.loads(data)) == []
    good = tmp_path / "registry.jsonl"
    good.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["registry", "verify", str(good)])
    assert result.exit_code == 0 and "OK: 2 entries" in result.output
    bad = tmp_path / "changed.jsonl"
    bad.write_bytes(data.replace(b"Really?", b"Really!"))
    result = app.test_cli_runner().invoke(args=["registry", "verify", str(bad)])
    assert result.exit_code == 1 and "FAILED" in result.output


def test_the_coop_page_links_its_declarations(client, w):
    body = client.get(f"/coops/{w['kazi'].slug}").get_data(as_text=True)
    assert f"/coops/{w['kazi'].slug}/declarations" in body
