"""Templates get flags, never permission calls: every rule about who may see or do what is decided
in a feature's permissions.py and passed to the page as a ``can_*`` value (issue 15)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

# Pages rendered and checked the same whatever the database: run once, on SQLite (Makefile, test-postgres).
pytestmark = pytest.mark.db_independent

TEMPLATES = Path(__file__).resolve().parents[2] / "deliberate" / "templates"
CALL = re.compile(r"\b(is_steward|is_delegate_of|can_\w+)\s*\(")


def test_no_template_calls_a_permission():
    calls = [f"{path.relative_to(TEMPLATES)}: {match.group(0)}" for path in sorted(TEMPLATES.rglob("*.html"))
             for match in CALL.finditer(path.read_text())]
    assert calls == []


@pytest.mark.parametrize("role, shown", [("steward", True), ("delegate", False)])
def test_the_menu_offers_webhooks_to_stewards_only(client, login, network, role, shown):
    login(network[role])
    page = client.get("/").get_data(as_text=True)
    assert ('href="/webhooks/"' in page) is shown


@pytest.mark.parametrize("role, shown", [("steward", True), ("delegate", False)])
def test_the_lists_offer_to_start_a_standard_and_register_a_coop_to_stewards_only(client, login, network, role, shown):
    login(network[role])
    assert ('href="/standards/new"' in client.get("/standards/").get_data(as_text=True)) is shown
    assert ('href="/coops/new"' in client.get("/coops/").get_data(as_text=True)) is shown
