"""Features register their hooks, subjects and rooms in their init_app, called by the app factory:
importing a module registers nothing, and building a second app registers nothing twice."""
from __future__ import annotations

import json
import subprocess
import sys

from deliberate import create_app
from deliberate.discussions import subjects as discussion_subjects
from deliberate.members import rights
from deliberate.proposals import adoption
from deliberate.realtime import rooms
from deliberate.standards import services as standards
from deliberate.voting import subjects as vote_subjects

# Everything that used to register itself on import, imported without building an app.
_PROBE = """
import json
import sys
from deliberate.coediting import services, sockets, views
from deliberate.discussions import services, subjects as discussion_subjects, views
from deliberate.follows import services, views
from deliberate.members import rights, views
from deliberate.proposals import adoption, services, views, votes
from deliberate.realtime import rooms
from deliberate.standards import services as standards, views
from deliberate.versions import subjects, views
from deliberate.voting import admission, services, subjects as vote_subjects, views
from deliberate.api import tokens
from deliberate.webhooks import services
print(json.dumps({
    "erasure": len(rights.ERASURE_HOOKS), "export": sorted(rights.EXPORT_HOOKS),
    "vote_subjects": vote_subjects.registered_kinds(),
    "discussion_subjects": sorted(discussion_subjects._KINDS),
    "rooms": sorted(set(rooms._READERS) - {"network", "stewards", "user", "standard"}),
    "secret_rooms": sorted(rooms._SECRET),
    "hooks": [len(standards.HEAD_MOVED_HOOKS), len(standards.EDIT_GUARDS), len(adoption.VOTE_CONFLICT_HOOKS)],
    "account_routes_loaded": "deliberate.members.account_views" in sys.modules,
}))
"""


def test_importing_a_feature_registers_nothing():
    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    found = json.loads(result.stdout)
    assert found == {"erasure": 0, "export": [], "vote_subjects": [], "discussion_subjects": [], "rooms": [],
                     "secret_rooms": [], "hooks": [0, 0, 0], "account_routes_loaded": False}


def _registries() -> dict:
    return {
        "erasure": list(rights.ERASURE_HOOKS),
        "export": dict(rights.EXPORT_HOOKS),
        "vote_subjects": {kind: vote_subjects.get_handler(kind) for kind in vote_subjects.registered_kinds()},
        "discussion_subjects": dict(discussion_subjects._KINDS),
        "rooms": dict(rooms._READERS),
        "secret_rooms": dict(rooms._SECRET),
        "hooks": [list(standards.HEAD_MOVED_HOOKS), list(standards.EDIT_GUARDS), list(adoption.VOTE_CONFLICT_HOOKS)],
    }


def test_the_factory_registers_each_features_part(app):
    assert {"admission", "amendment", "group", "version", "maturity"} <= set(vote_subjects.registered_kinds())
    assert set(discussion_subjects._KINDS) >= {"standard", "section", "amendment", "vote"}
    assert {"vote", "amendment", "coedit_section", "coedit_amendment"} <= set(rooms._READERS)
    assert set(rooms._SECRET) == {"vote"}
    assert {"amendments", "api_tokens", "ballots", "comments", "follows", "live_editing", "notifications",
            "objections", "revisions", "webhooks"} <= set(rights.EXPORT_HOOKS)
    assert [len(hooks) for hooks in _registries()["hooks"]] == [1, 1, 1]
    assert "auth.change_password" in app.view_functions


def test_a_second_app_registers_nothing_twice(app):
    before = _registries()
    create_app(dict(app.config))
    assert _registries() == before
