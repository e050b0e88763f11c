"""Standard, section, history and co-op pages as people use them."""
import re

from sqlalchemy import select

from deliberate.extensions import db
from deliberate.members.models import Cooperative
from deliberate.standards import services


def test_standard_page_has_contents_and_permalinks(client, network):
    standard = network["standard"]
    page = client.get(f"/standards/{standard.slug}").get_data(as_text=True)
    for section in standard.sections:
        assert f'href="#{section.key}"' in page
        assert f'id="{section.key}"' in page
        assert f'href="/standards/{standard.slug}/s/{section.key}"' in page
    assert "Contents" in page and 'data-live-room="standard:' in page


def test_member_text_is_rendered_safely(client, network):
    services.revise_section(actor=network["steward"], section=network["section"], title="Member ownership",
                            body="**Owned** by members.\n\n<script>alert('x')</script>\n\n[x](javascript:alert(1))",
                            message="Test", base_revision_id=network["section"].head_revision_id)
    page = client.get(f"/standards/{network['standard'].slug}").get_data(as_text=True)
    assert "<strong>Owned</strong>" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_editing_a_section_through_the_form_records_an_attributed_revision(client, network, login):
    login(network["delegate"])
    section = network["section"]
    url = f"/standards/{network['standard'].slug}/s/{section.key}"
    form = client.get(url + "/edit").get_data(as_text=True)
    base = re.search(r'name="base_revision_id" type="hidden" value="(\d+)"', form).group(1)
    response = client.post(url + "/edit", data={"title": "Member ownership", "body": "Members own it, together.",
                                                "message": "Say together", "base_revision_id": base,
                                                "coop": str(network["member"].id)})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Members own it, together." in page
    assert "Say together" in page and "Delegate 1 (Kazi Riders)" in page and "Revision 2" in page
    old = client.get(url + "/r/1").get_data(as_text=True)
    assert "earlier revision" in old


def test_a_conflicting_save_keeps_both_texts_on_screen(client, network, login):
    login(network["delegate"])
    section = network["section"]
    base = section.head_revision_id
    services.revise_section(actor=network["steward"], section=section, title=section.title, body="The steward's text",
                            message="Editorial", base_revision_id=base)
    url = f"/standards/{network['standard'].slug}/s/{section.key}/edit"
    response = client.post(url, data={"title": "Member ownership", "body": "My careful wording", "message": "Mine",
                                      "base_revision_id": str(base), "coop": str(network["member"].id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone saved" in page and "The steward's text" in page and "My careful wording" in page


def test_a_delegate_cannot_credit_a_coop_they_do_not_belong_to(client, network, login):
    login(network["delegate"])
    section = network["section"]
    url = f"/standards/{network['standard'].slug}/s/{section.key}/edit"
    response = client.post(url, data={"title": "T", "body": "B", "message": "M", "base_revision_id": str(section.head_revision_id),
                                      "coop": str(network["suspended"].id)})
    assert response.status_code == 403


def test_garbage_in_the_form_gets_a_clear_message(client, network, login):
    login(network["delegate"])
    section = network["section"]
    url = f"/standards/{network['standard'].slug}/s/{section.key}/edit"
    response = client.post(url, data={"title": "T", "body": "B", "message": "M", "base_revision_id": "abc", "coop": "x"})
    assert response.status_code == 422 and "incomplete" in response.get_data(as_text=True)


def test_steward_registers_admits_and_invites(client, network, login):
    login(network["steward"])
    response = client.post("/coops/new", data={"name": "Loom Makers", "country": "in", "kind": "multi-stakeholder"})
    assert response.status_code == 302
    coop = db.session.scalar(select(Cooperative).where(Cooperative.name == "Loom Makers"))
    assert coop.status == "applicant"
    assert client.post(f"/coops/{coop.slug}/status", data={"status": "member", "reason": "Welcome"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).status == "member"
    invite = client.post(f"/coops/{coop.slug}/invite", data={"email": ""})
    link = re.search(r'value="(http://localhost.test/join/[^"]+)"', invite.get_data(as_text=True)).group(1)
    assert client.get(link.replace("http://localhost.test", "")).status_code == 200


def test_registration_errors_are_shown_next_to_the_fields(client, network, login):
    login(network["steward"])
    response = client.post("/coops/new", data={"name": "Bad", "country": "Spain", "kind": "worker"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please check the form" in page and "two-letter country code" in page


def test_standard_creation_and_first_section(client, network, login):
    login(network["steward"])
    response = client.post("/standards/new", data={"title": "Model Bylaws", "summary": "For new co-ops."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/standards/model-bylaws/sections/new")
    response = client.post("/standards/model-bylaws/sections/new", data={"title": "Membership", "kind": "principle",
                                                                          "body": "Open to all who share the work."})
    assert response.status_code == 302
    assert "Open to all who share the work." in client.get("/standards/model-bylaws").get_data(as_text=True)


def test_public_directory_hides_applicants_from_observers(client, network):
    page = client.get("/coops/").get_data(as_text=True)
    assert "Kazi Riders" in page and "New Co-op" not in page
