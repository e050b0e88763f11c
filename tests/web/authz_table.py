"""The authorization table: every route of the site × every role, the expected status of GET and of
POST for each, and the data a permitted person would send.

Checked against ``app.url_map`` by tests/web/test_authz_matrix.py (which says what the roles and
statuses mean); tests/web/test_size_limits.py sends every POST route oversized data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.conftest import TEST_PASSWORD

SIGNIN = "signin"  # a 302 to the sign-in page, with the page asked for as ``next``


def roles(observer, delegate, other_delegate, suspended_delegate, steward) -> dict:
    return dict(observer=observer, delegate=delegate, other_delegate=other_delegate,
                suspended_delegate=suspended_delegate, steward=steward)


def everyone(status) -> dict:
    return roles(status, status, status, status, status)


def members_only(status, suspended=403) -> dict:
    """Signed-in delegates of member co-ops and stewards get ``status``; observers sign in."""
    return roles(SIGNIN, status, status, suspended, status)


def stewards_only(status) -> dict:
    return roles(SIGNIN, 403, 403, 403, status)


def _policy_form(*, network: bool) -> dict:
    """The policy form as a steward sends it: the defaults, with one rule changed."""
    from deliberate.policies.editing import form_values
    from deliberate.voting.policy import validate_policy

    values = form_values(validate_policy({}), network=network)
    data = {k: ("on" if v is True else str(v)) for k, v in values.items() if v is not False}
    data.update({"rule-guidance": "two-thirds", "summary": "Guidance needs two thirds."})
    return data


@dataclass(frozen=True)
class Route:
    path: str
    get: dict | None = None   # None: the route does not answer GET (405 for everyone)
    post: dict | None = None  # None: the route does not answer POST (405 for everyone)
    data: dict = field(default_factory=dict)
    shared_path: bool = False  # another endpoint answers the other method on this path
    # Accepts a POST without the CSRF token: a signed token in the path is the authority (listed in
    # test_authz_matrix.py's CSRF test, which checks that no other route is).
    csrf_exempt: bool = False


STD = "/standards/{std}"
AMD = STD + "/amendments/{amendment}"
VOTE = "/votes/{vote}"
COMMENT = "/discussions/comments/{comment}"
HOOK = "/webhooks/{hook}"
FORMAL = "/objections/{formal}"
PUBLIC = everyone(200)
# A proxy's end date a month from the day the tests run (a proxy lasts a year at most).
PROXY_END = (date.today() + timedelta(days=30)).isoformat()


def hook_owners(status) -> dict:
    """The member co-op's webhook: its delegates and stewards get ``status``, anyone else a 404."""
    return roles(SIGNIN, status, 404, 404, status)



TABLE: dict[str, Route] = {
    # Public pages and files
    "main.index": Route("/", get=PUBLIC),
    "main.how_it_works": Route("/how-it-works", get=PUBLIC),
    # Operations (deliberate/ops): probes for anyone; /metrics answers the test client because its
    # address, 127.0.0.1, is in METRICS_ALLOW's default (tests/ops/test_metrics.py checks the 404s).
    "ops.healthz": Route("/healthz", get=PUBLIC),
    "ops.readyz": Route("/readyz", get=PUBLIC),
    "ops.metrics": Route("/metrics", get=PUBLIC),
    "main.favicon": Route("/favicon.ico", get=everyone(301)),
    "feeds.network": Route("/feed.atom", get=PUBLIC),
    "feeds.standard": Route(STD + "/feed.atom", get=PUBLIC),
    "search.index": Route("/search?q=members", get=PUBLIC),
    "language.choose": Route("/language", post=everyone(302), data={"locale": "es"}),
    # Accounts
    "auth.login": Route("/signin", get=roles(200, 302, 302, 302, 302), post=roles(302, 302, 302, 302, 302),
                        data={"email": "other@example.org", "password": TEST_PASSWORD}),
    "auth.logout": Route("/signout", post=everyone(302)),
    # The same answer whoever asks and whether or not the address has an account.
    "auth.forgot": Route("/forgot", get=PUBLIC, post=everyone(302), data={"email": "other@example.org"}),
    "auth.reset": Route("/reset/{reset_token}", get=PUBLIC, post=everyone(302),
                        data={"password": "a brand new password", "confirm": "a brand new password"}),
    "auth.join": Route("/join/{join_token}", get=PUBLIC, post=everyone(302),
                       data={"name": "New Person", "email": "new@example.org", "password": TEST_PASSWORD}),
    "auth.account": Route("/account", get=members_only(200, suspended=200)),
    # Account rights (the 'rights' change): each person's own; POSTs here carry no data, so the
    # signed-in get 422 (nothing changes). Erasing someone else is a steward's act.
    "auth.confirm_password": Route("/account/confirm", get=members_only(200, suspended=200),
                                   post=members_only(422, suspended=422)),
    "auth.change_email": Route("/account/email", get=members_only(200, suspended=200),
                               post=members_only(422, suspended=422)),
    "auth.change_password": Route("/account/password", get=members_only(200, suspended=200),
                                  post=members_only(422, suspended=422)),
    "auth.erase": Route("/account/erase", get=members_only(200, suspended=200), post=members_only(422, suspended=422)),
    "auth.export": Route("/account/export", get=members_only(200, suspended=200)),
    "auth.sign_out_everywhere": Route("/account/sign-out-everywhere", post=roles(SIGNIN, 302, 302, 302, 302)),
    "auth.save_notifications": Route("/account/notifications", post=members_only(302, suspended=302),
                                     data={"vote_opened": "y", "digest": "daily"}),
    # One-click unsubscribe (RFC 8058): the link's signed token names the person and the kind; the
    # page never changes anything, the POST turns that kind off for whoever sends it.
    "mail.unsubscribe_page": Route("/mail/unsubscribe/{unsubscribe_token}", get=PUBLIC, shared_path=True),
    "mail.outbox": Route("/mail/outbox", get=stewards_only(200)),
    "mail.unsubscribe": Route("/mail/unsubscribe/{unsubscribe_token}", post=everyone(200), shared_path=True,
                              csrf_exempt=True),
    "auth.steward_erase": Route("/people/{other_person}/erase", get=stewards_only(200), post=stewards_only(422)),
    "transparency.index": Route("/transparency/", get=PUBLIC),
    "witness.log": Route("/witness.jsonl", get=PUBLIC),
    # The registry (deliberate/registry/): public reads; delegates speak for their own co-op only.
    "registry.standard": Route("/standards/{reg_std}/registry?coop={member}&status=met", get=PUBLIC),
    "registry.report": Route("/standards/{reg_std}/v/1.0/implementation", get=PUBLIC),
    "registry.declare": Route("/standards/{reg_std}/v/1.0/declare", get=roles(SIGNIN, 200, 200, 403, 403),
                              post=roles(SIGNIN, 302, 302, 403, 403),
                              data={"stance": "adopts", "status-scope": "met", "justification-scope": "We do.",
                                    "evidence-scope": "https://example.org/x", "status-consent": "not_met"}),
    # Both member co-ops' newest declaration is of 1.0 or none: nothing to re-affirm.
    "registry.reaffirm": Route("/standards/{reg_std}/v/1.0/reaffirm", get=roles(SIGNIN, 409, 409, 403, 403),
                               post=roles(SIGNIN, 409, 409, 403, 403)),
    "registry.show": Route("/declarations/{declaration}", get=PUBLIC),
    "registry.ask": Route("/declarations/{declaration}/questions", post=roles(SIGNIN, 403, 302, 403, 403),
                          data={"reasons": "Your minutes say otherwise."}),
    "registry.answer": Route("/questions/{question}/answer", post=roles(SIGNIN, 302, 403, 403, 403),
                             data={"answer": "See our minutes of May."}),
    "registry.escalate": Route("/questions/{question}/escalate", post=roles(SIGNIN, 403, 302, 403, 403)),
    "registry.coop": Route("/coops/{member}/declarations", get=PUBLIC),
    "registry.coop_json": Route("/coops/{member}/declarations.json", get=PUBLIC),
    "registry.coop_atom": Route("/coops/{member}/declarations.atom", get=PUBLIC),
    "registry.coop_badge": Route("/coops/{member}/badge/{reg_std}.svg", get=PUBLIC),
    "registry.standard_json": Route("/standards/{reg_std}/registry.json", get=PUBLIC),
    "registry.standard_atom": Route("/standards/{reg_std}/registry.atom", get=PUBLIC),
    "registry.record": Route("/registry.jsonl", get=PUBLIC),
    "witness.page": Route("/witness", get=PUBLIC),
    # API tokens (each person's own; no token 999 exists for anyone).
    "api_tokens.index": Route("/account/tokens/", get=members_only(200, suspended=200), shared_path=True),
    "api_tokens.create": Route("/account/tokens/", post=members_only(422, suspended=422), shared_path=True),
    "api_tokens.revoke": Route("/account/tokens/999/revoke", post=members_only(404, suspended=404)),
    # Webhooks (per co-op: a delegate of another co-op does not learn they exist).
    "webhooks.index": Route("/webhooks/", get=members_only(200, suspended=200)),
    "webhooks.coop_index": Route("/coops/{member}/webhooks", get=roles(SIGNIN, 200, 404, 404, 200)),
    "webhooks.new": Route("/webhooks/new", get=members_only(200), post=members_only(422)),
    "webhooks.show": Route(HOOK, get=hook_owners(200)),
    "webhooks.delete": Route(HOOK + "/delete", post=hook_owners(302)),
    "webhooks.disable": Route(HOOK + "/disable", post=hook_owners(302)),
    "webhooks.enable": Route(HOOK + "/enable", post=hook_owners(302)),
    "webhooks.ping": Route(HOOK + "/ping", post=hook_owners(302)),
    "webhooks.rotate": Route(HOOK + "/secret", post=hook_owners(302)),
    # Co-ops
    "coops.index": Route("/coops/", get=PUBLIC),
    "coops.show": Route("/coops/{member}", get=PUBLIC),
    "coops.new": Route("/coops/new", get=stewards_only(200), post=stewards_only(302),
                       data={"name": "Fresh Co-op", "country": "ES", "kind": "worker"}),
    "coops.invite": Route("/coops/{member}/invite", get=roles(SIGNIN, 200, 403, 403, 200),
                          post=roles(SIGNIN, 200, 403, 403, 200), data={"email": "new@example.org"}),
    "coops.change_status": Route("/coops/{member}/status", post=stewards_only(302),
                                 data={"status": "suspended", "reason": "Unpaid dues"}),
    # Standards and sections
    "standards.index": Route("/standards/", get=PUBLIC),
    "standards.new": Route("/standards/new", get=stewards_only(200), post=stewards_only(302),
                           data={"title": "Model Bylaws", "summary": "Bylaws to start from."}),
    "standards.show": Route(STD, get=PUBLIC),
    "standards.new_section": Route(STD + "/sections/new", get=stewards_only(200), post=stewards_only(302),
                                   data={"title": "Open books", "kind": "principle", "body": "We publish our accounts."}),
    "standards.section": Route(STD + "/s/{key}", get=PUBLIC),
    "standards.revision": Route(STD + "/s/{key}/r/1", get=PUBLIC),
    "standards.edit_section": Route(STD + "/s/{key}/edit", get=members_only(200), post=members_only(302),
                                    data={"title": "Member ownership", "body": "Members own it, together.",
                                          "message": "Say together.", "base_revision_id": "{base_revision}"}),
    "coediting.section_editor": Route(STD + "/s/{key}/together", get=members_only(200)),
    "amendments.blame": Route(STD + "/s/{key}/blame", get=PUBLIC),
    "amendments.compare_revisions": Route(STD + "/s/{key}/compare?from=1&to=1", get=PUBLIC),
    "amendments.compare_standard": Route(STD + "/compare", get=PUBLIC),
    # Amendments
    "amendments.index": Route(STD + "/amendments", get=PUBLIC),
    "amendments.new": Route(STD + "/amendments/new", get=members_only(200), post=members_only(302),
                            data={"kind": "modify", "section": "{key}", "summary": "Plainer words.",
                                  "proposed_title": "Member ownership", "proposed_body": "Members own the co-op.",
                                  "base_revision_id": "{base_revision}"}),
    "amendments.show": Route(AMD, get=PUBLIC),
    "amendments.edit": Route(AMD + "/edit", get=roles(SIGNIN, 200, 403, 403, 403), post=roles(SIGNIN, 302, 403, 403, 403),
                             data={"summary": "Plainer still.", "proposed_title": "Member ownership",
                                   "proposed_body": "The members own the platform, together.",
                                   "expected_draft_id": "{amendment_draft}"}),
    "amendments.open_": Route(STD + "/amendments/{draft}/open", post=roles(SIGNIN, 302, 404, 404, 403)),
    "amendments.withdraw": Route(AMD + "/withdraw", post=roles(SIGNIN, 302, 403, 403, 403)),
    # The test network's policy has no last call (tests/conftest.py): its authors and stewards are told so.
    "amendments.start_last_call": Route(AMD + "/last-call", post=roles(SIGNIN, 409, 403, 403, 409)),
    # This standard's policy decides amendments by vote: not even a steward adopts directly.
    "amendments.adopt": Route(AMD + "/adopt", post=roles(SIGNIN, 403, 403, 403, 403)),
    "amendments.add_coauthor": Route(AMD + "/coauthors", post=roles(SIGNIN, 302, 403, 403, 403),
                                     data={"email": "other@example.org"}),
    # Only a conflicted amendment can be resolved (by its authors or a steward); this one is open.
    "amendments.resolve": Route(AMD + "/resolve", get=roles(SIGNIN, 403, 403, 403, 403),
                                post=roles(SIGNIN, 403, 403, 403, 403),
                                data={"proposed_title": "T", "proposed_body": "B", "note": "N"}),
    "amendments.group": Route(STD + "/amendments/group", get=stewards_only(200), post=stewards_only(422),
                              data={"title": "Ownership wording", "amendments": "{amendment}"}),
    "coediting.amendment_editor": Route(STD + "/amendments/{draft}/together", get=roles(SIGNIN, 200, 404, 404, 403)),
    # Versions
    "versions.changelog": Route(STD + "/changelog", get=PUBLIC),
    "policies.network": Route("/policy", get=PUBLIC),
    "policies.standard": Route(STD + "/policy", get=PUBLIC),
    "policies.propose_network": Route("/policy/propose", get=stewards_only(200), post=stewards_only(302),
                                      data=_policy_form(network=True)),
    "policies.propose_standard": Route(STD + "/policy/propose", get=stewards_only(200), post=stewards_only(302),
                                       data=_policy_form(network=False)),
    "versions.changelog_jsonl": Route(STD + "/changelog.jsonl", get=PUBLIC),
    "versions.show": Route(STD + "/v/{ref}", get=PUBLIC),
    "versions.compare": Route(STD + "/versions/compare", get=PUBLIC),
    "versions.assemble": Route(STD + "/versions/new", get=stewards_only(200), post=stewards_only(409),
                               data={"summary": "Another version."}),
    "versions.withdraw": Route(STD + "/versions/{version}/withdraw", post=stewards_only(302),
                               data={"reason": "Not ready yet."}),
    # Contribution records (public reads; a person's page exists only for someone with contributions)
    "credit.release": Route(STD + "/v/{ref}/contributions", get=PUBLIC),
    "credit.release_export": Route(STD + "/v/{ref}/contributions.csv", get=PUBLIC),
    # Proxies (deliberate/proxies): public pages and record; the world's proxy is offered by Other Co-op
    # to the delegate's co-op, so only the delegate may answer it, and nobody holds a vote yet.
    "proxies.coop_page": Route("/coops/{member}/proxies", get=PUBLIC, shared_path=True),
    "proxies.give": Route("/coops/{member}/proxies", post=roles(SIGNIN, 302, 403, 403, 403),
                          data={"holder": "2", "scope": "network", "ends_on": PROXY_END}, shared_path=True),
    "proxies.change": Route("/proxies/{proxy}/accept", post=roles(SIGNIN, 302, 403, 403, 403)),
    "proxies.record": Route("/proxies/record.jsonl", get=PUBLIC),
    "proxies.vote_page": Route(VOTE + "/proxies", get=roles(SIGNIN, 200, 200, 200, 200)),
    "proxies.cast": Route(VOTE + "/proxies/{other_coop}", post=roles(SIGNIN, 403, 403, 403, 403), data={"holder": ""}),
    "credit.coop": Route("/coops/{member}/contributions", get=PUBLIC),
    "credit.coop_export": Route("/coops/{member}/contributions.json", get=PUBLIC),
    "credit.person": Route("/people/{other_person}/contributions", get=everyone(404)),
    "credit.person_export": Route("/people/{other_person}/contributions.csv", get=everyone(404)),
    # Following
    "follows.follow": Route(STD + "/follow", post=roles(SIGNIN, 302, 302, 302, 302)),
    "follows.unfollow": Route(STD + "/unfollow", post=roles(SIGNIN, 302, 302, 302, 302)),
    "follows.notifications": Route("/notifications", get=members_only(200, suspended=200)),
    "follows.count": Route("/notifications/count", get=members_only(200, suspended=200)),
    # Discussions
    "discussions.subject": Route("/discussions/standard/{std_id}", get=PUBLIC),
    "discussions.comments": Route("/discussions/standard/{std_id}/comments", post=members_only(302),
                                  data={"body": "I agree."}),
    "discussions.threads": Route("/discussions/standard/{std_id}/threads", post=members_only(302),
                                 data={"title": "Wording", "body": "Shall we say it plainly?"}),
    "discussions.permalink": Route(COMMENT, get=everyone(302)),
    "discussions.history": Route(COMMENT + "/history", get=PUBLIC),
    "discussions.reply": Route(COMMENT + "/reply", get=members_only(200)),
    "discussions.edit": Route(COMMENT + "/edit", get=roles(SIGNIN, 200, 403, 403, 403),
                              post=roles(SIGNIN, 302, 403, 403, 403), data={"body": "I agree, with one change."}),
    "discussions.hide": Route(COMMENT + "/hide", get=stewards_only(200), post=stewards_only(302),
                              data={"reason": "Off topic."}),
    "discussions.unhide": Route(COMMENT + "/unhide", post=stewards_only(302)),
    # Votes
    "votes.index": Route("/votes/", get=PUBLIC),
    "votes.new": Route("/votes/new", get=stewards_only(200), post=stewards_only(422), data={"subject": "nonsense"}),
    "votes.show": Route(VOTE, get=PUBLIC),
    "votes.form_address": Route(VOTE + "/ballot", get=everyone(302), shared_path=True),
    "votes.record": Route("/votes/{closed_vote}/record.jsonl", get=PUBLIC),
    "votes.text": Route(VOTE + "/text.txt", get=PUBLIC),
    "votes.cast": Route(VOTE + "/ballot", post=roles(SIGNIN, 302, 302, 403, 403), data={"choice": "consent"}, shared_path=True),
    "votes.concern": Route(VOTE + "/concerns", post=roles(SIGNIN, 302, 302, 403, 403),
                           data={"argument": "We worry about the timing."}, shared_path=True),
    "votes.withdraw": Route(VOTE + "/objections/{objection}/withdraw", post=roles(SIGNIN, 302, 403, 403, 403),
                            data={"note": "We talked it through."}),
    "votes.resolve": Route(VOTE + "/objections/{objection}/resolve", post=stewards_only(302),
                           data={"outcome": "resolved", "note": "Resolved at the meeting."}),
    "votes.close": Route(VOTE + "/close", post=stewards_only(302), shared_path=True),
    "votes.cancel": Route(VOTE + "/cancel", post=stewards_only(302), data={"reason": "Opened by mistake."}, shared_path=True),
    # Formal objections (the world's: the delegate's co-op objects to the applicant's refusal; no council yet)
    "appeals.index": Route("/objections", get=PUBLIC),
    "appeals.standard_index": Route(STD + "/objections", get=PUBLIC),
    "appeals.new": Route("/objections/new?subject=admission:{applicant_id}", get=roles(SIGNIN, 200, 200, 403, 403),
                         post=roles(SIGNIN, 302, 302, 403, 403),
                         data={"issue": "Too fast.", "rationale": "Few voted.", "proposed_change": "Vote again."}),
    "appeals.show": Route(FORMAL, get=PUBLIC),
    "appeals.record_file": Route(FORMAL + "/record.jsonl", get=PUBLIC),
    "appeals.draw_page": Route(FORMAL + "/draw", get=everyone(404)),
    "appeals.mediate": Route(FORMAL + "/notes", post=stewards_only(302), data={"note": "We met."}),
    "appeals.propose": Route(FORMAL + "/proposals", post=stewards_only(302), data={"text": "Vote again in May."}),
    "appeals.withdraw": Route(FORMAL + "/withdraw", post=roles(SIGNIN, 302, 403, 403, 403)),
    "appeals.convene": Route(FORMAL + "/convene", post=stewards_only(302)),
    # Nobody sits on a council yet: every council step is refused.
    "appeals.ballot": Route(FORMAL + "/ballots", post=roles(SIGNIN, 403, 403, 403, 403),
                            data={"question": "proposal:1", "choice": "yes"}),
    "appeals.dismiss": Route(FORMAL + "/dismissals", post=roles(SIGNIN, 403, 403, 403, 403),
                             data={"member": "other-co-op", "reason": "Absent."}),
    "appeals.decide": Route(FORMAL + "/decisions", post=roles(SIGNIN, 403, 403, 403, 403),
                            data={"outcome": "affirm", "finding": "overruled", "reason": "Fair."}),
    "appeals.opinion": Route(FORMAL + "/opinions", post=roles(SIGNIN, 403, 403, 403, 403), data={"text": "No."}),
    "appeals.revert": Route(FORMAL + "/revert", post=roles(SIGNIN, 403, 403, 403, 409)),
    "votes.statement": Route("/votes/{closed_vote}/statement", post=stewards_only(302),
                             data={"text": "Admission failed: too few co-ops took part."}, shared_path=True),
}


def fill(template: str, ids: dict) -> str:
    return template.format(**ids)


def form_data(route: Route, ids: dict) -> dict:
    return {name: fill(value, ids) for name, value in route.data.items()}


def refused(status) -> bool:
    return status == SIGNIN or status >= 400
