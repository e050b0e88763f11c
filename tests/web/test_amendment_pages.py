"""Amendment pages through HTTP, for each role."""
import re

import pytest

from deliberate.extensions import db
from deliberate.proposals import services
from deliberate.proposals.models import Amendment


@pytest.fixture
def draft(network):
    s = network["section"]
    return services.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify", section=s,
                                      summary="Say it plainly.", proposed_title=s.title,
                                      proposed_body="Members own and run the platform.")


@pytest.fixture
def opened(network, draft):
    return services.open_amendment(actor=network["delegate"], amendment=draft)


def url(network, amendment=None, tail=""):
    base = f"/standards/{network['standard'].slug}/amendments"
    return f"{base}/{amendment.id}{tail}" if amendment else base + tail


ROLES = ("observer", "delegate", "suspended_delegate", "steward")


@pytest.mark.parametrize("role, status", list(zip(ROLES, (404, 200, 404, 200))))
def test_drafts_are_private_to_their_authors_and_stewards(as_role, network, draft, role, status):
    assert as_role(role).get(url(network, draft)).status_code == status


@pytest.mark.parametrize("role, status", list(zip(ROLES, (200, 200, 200, 200))))
def test_open_amendments_are_public(as_role, network, opened, role, status):
    page = as_role(role).get(url(network, opened))
    assert page.status_code == status
    text = page.get_data(as_text=True)
    assert "What changes for co-ops" in text and "Say it plainly." in text
    assert text.index("What changes for co-ops") < text.index("The exact change")
    assert "<del>" in text and "<ins>" in text


@pytest.mark.parametrize("role, get_status, post_status", [
    ("observer", 302, 302), ("delegate", 200, 302), ("suspended_delegate", 403, 403), ("steward", 200, 403)])
def test_proposing(as_role, network, role, get_status, post_status):
    client = as_role(role)
    assert client.get(url(network, tail="/new") + f"?section={network['section'].key}").status_code == get_status
    s = network["section"]
    response = client.post(url(network, tail="/new"), data={
        "kind": "modify", "section": s.key, "summary": "Plainer.", "proposed_title": s.title,
        "proposed_body": "Members own it.", "base_revision_id": str(s.head_revision_id),
        "coop": str(network["member"].id)})
    assert response.status_code == post_status


def test_the_proposal_form_prefills_the_current_text_and_base(as_role, network):
    page = as_role("delegate").get(url(network, tail="/new") + f"?section={network['section'].key}").get_data(as_text=True)
    assert network["section"].body in page
    assert f'name="base_revision_id" type="hidden" value="{network["section"].head_revision_id}"' in page


def test_a_stale_base_keeps_the_typed_text(as_role, network):
    from deliberate.standards.services import revise_section

    s = network["section"]
    old = s.head_revision_id
    revise_section(actor=network["steward"], section=s, title=s.title, body="Changed underneath.", message="M",
                   base_revision_id=old)
    response = as_role("delegate").post(url(network, tail="/new"), data={
        "kind": "modify", "section": s.key, "summary": "Mine.", "proposed_title": s.title,
        "proposed_body": "My careful words.", "base_revision_id": str(old), "coop": str(network["member"].id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "My careful words." in page and "changed while you were writing" in page
    assert db.session.query(Amendment).count() == 0


def test_empty_change_gets_a_clear_message(as_role, network):
    s = network["section"]
    response = as_role("delegate").post(url(network, tail="/new"), data={
        "kind": "modify", "section": s.key, "summary": "Nothing.", "proposed_title": s.title,
        "proposed_body": s.body.replace("\n", "\r\n"), "base_revision_id": str(s.head_revision_id)})
    assert response.status_code == 422 and "changes nothing" in response.get_data(as_text=True)


def test_open_and_withdraw_through_the_page(as_role, network, draft):
    client = as_role("delegate")
    page = client.get(url(network, draft)).get_data(as_text=True)
    assert "Open for discussion" in page
    assert client.post(url(network, draft, "/open")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Amendment, draft.id).state == "open"
    assert as_role("steward").post(url(network, draft, "/withdraw")).status_code == 403
    assert client.post(url(network, draft, "/withdraw"), data={"note": "Changed our mind"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Amendment, draft.id).state == "withdrawn"


def test_edit_page_round_trip(as_role, network, opened):
    client = as_role("delegate")
    form = client.get(url(network, opened, "/edit")).get_data(as_text=True)
    expected = re.search(r'name="expected_draft_id" type="hidden" value="(\d+)"', form).group(1)
    response = client.post(url(network, opened, "/edit"), data={
        "summary": "Plainer still.", "proposed_title": network["section"].title,
        "proposed_body": "Members own and govern the platform.", "expected_draft_id": expected, "rationale": "Why not"})
    assert response.status_code == 302
    assert "Plainer still." in client.get(url(network, opened)).get_data(as_text=True)
    assert as_role("observer").get(url(network, opened, "/edit")).status_code == 302


def test_side_by_side_view(as_role, network, opened):
    page = as_role("observer").get(url(network, opened) + "?view=side").get_data(as_text=True)
    assert "Before" in page and "After" in page and 'class="diff diff-side"' in page


def test_compare_and_blame_pages(as_role, network, opened):
    from deliberate.database import unit_of_work, utcnow
    from deliberate.proposals.adoption import apply_amendment

    before = utcnow().replace(tzinfo=None).isoformat(timespec="microseconds")
    with unit_of_work() as session:
        apply_amendment(session, session.get(Amendment, opened.id), network["steward"])
    client = as_role("observer")
    base = f"/standards/{network['standard'].slug}/s/{network['section'].key}"
    compare = client.get(base + "/compare?from=1&to=2")
    assert compare.status_code == 200 and "<ins>" in compare.get_data(as_text=True)
    blame = client.get(base + "/blame").get_data(as_text=True)
    assert f"A{opened.id}" in blame and "Kazi Riders" in blame
    assert client.get(base + "/compare?from=x").status_code == 422
    assert client.get(base + "/compare?from=1&to=7").status_code == 404
    whole = client.get(f"/standards/{network['standard'].slug}/compare", query_string={"from": before})
    assert whole.status_code == 200 and "badge-changed" in whole.get_data(as_text=True)
    everything = client.get(f"/standards/{network['standard'].slug}/compare?from=2020-01-01").get_data(as_text=True)
    assert "badge-added" in everything
    assert client.get(f"/standards/{network['standard'].slug}/compare?from=yesterday").status_code == 422


def test_section_page_numbers_paragraphs_and_lists_amendments(as_role, network, opened):
    page = as_role("observer").get(f"/standards/{network['standard'].slug}/s/{network['section'].key}").get_data(as_text=True)
    assert "1 ¶1" in page and f"A{opened.id}" in page


def test_group_page_is_for_stewards(as_role, network):
    assert as_role("delegate").get(url(network, tail="/group")).status_code == 403
    assert as_role("steward").get(url(network, tail="/group")).status_code == 200
