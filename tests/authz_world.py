"""The world of the authorization matrices: five roles and something of everything they may act on.

Used by tests/web/test_authz_matrix.py (every route), tests/web/test_size_limits.py and
tests/realtime/test_socket_authz_matrix.py (every socket event), through the fixtures
``authz_world`` and ``authz_client`` of tests/conftest.py, which build it once per module.
"""
from __future__ import annotations

from tests.conftest import TEST_PASSWORD

ROLES = ("observer", "delegate", "other_delegate", "suspended_delegate", "steward")


def build_world() -> dict:
    """Everything a route can be about, owned by the ``delegate``'s co-op where it has an owner.

    Returns the ids and slugs the paths need, and each role's email (inside an app context).
    """
    from datetime import timedelta

    from flask import current_app

    from deliberate.database import utcnow
    from deliberate.discussions import services as discussions
    from deliberate.mail import tokens as mail_tokens
    from deliberate.members import services as members
    from deliberate.proposals import services as proposals
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import closing, objections
    from deliberate.voting import services as voting
    from deliberate.webhooks import services as webhooks

    steward = members.create_steward(email="steward@example.org", name="Steward", password=TEST_PASSWORD)

    def coop(name, status="member"):
        made = members.register_coop(actor=steward, name=name, country="ES", kind="worker")
        return members.change_coop_status(actor=steward, coop=made, status="member") if status == "member" else made

    def delegate(of, email):
        _invitation, token = members.invite_delegate(actor=steward, coop=of)
        return members.accept_invitation(token=token, name=email.split("@")[0].title(), email=email,
                                         password=TEST_PASSWORD)

    member, other_coop, suspended = coop("Kazi Riders"), coop("Other Co-op"), coop("Quiet Co-op")
    applicant = coop("New Co-op", status="applicant")
    people = {"delegate": delegate(member, "delegate@example.org"),
              "other_delegate": delegate(other_coop, "other@example.org"),
              "suspended_delegate": delegate(suspended, "suspended@example.org"), "steward": steward}
    members.change_coop_status(actor=steward, coop=suspended, status="suspended")
    standard = standards.create_standard(
        actor=steward, title="Platform Co-op Principles", summary="What we hold in common.",
        sections=[("Member ownership", "Members own the platform."), ("Data rights", "Members own their data.")])
    section = standard.sections[0]
    author = people["delegate"]
    draft = proposals.propose_amendment(actor=author, standard=standard, kind="modify", section=section,
                                        summary="Say it plainly.", proposed_title=section.title,
                                        proposed_body="Members own and run the platform.")
    opened = proposals.propose_amendment(actor=author, standard=standard, kind="modify", section=section,
                                         summary="Say it otherwise.", proposed_title=section.title,
                                         proposed_body="The members own the platform together.")
    opened = proposals.open_amendment(actor=author, amendment=opened)
    closes = utcnow() + timedelta(days=7)
    closed_vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id, closes_at=closes)
    closing.close_vote(actor=steward, vote=closed_vote)
    from deliberate.appeals import services as appeals

    formal = appeals.file_objection(actor=people["delegate"], subject_kind="admission", subject_id=applicant.id,
                                    issue="Refused too fast.", rationale="Few co-ops voted.",
                                    proposed_change="Vote again.")
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id, closes_at=closes,
                            rule_preset="consent")
    objection = objections.raise_objection(actor=author, vote=vote, argument="Not yet: we have not met them.")
    comment = discussions.post_comment(actor=author, subject_kind="standard", subject_id=standard.id,
                                       body="I agree with the first principle.")
    version = versions.assemble_version(actor=steward, standard=standard, summary="The first version.")
    _invitation, join_token = members.invite_delegate(actor=steward, coop=member)
    reset_token = members.request_password_reset(email="other@example.org")
    unsubscribe_token = mail_tokens.make(current_app.config["SECRET_KEY"], people["other_delegate"].id, "digest")
    from deliberate.proxies import services as proxies
    # Other Co-op offers its vote to the delegate's co-op (not yet accepted).
    proxy = proxies.give_proxy(actor=people["other_delegate"], giver=other_coop, holder=member, scope="network",
                               ends_at=utcnow() + timedelta(days=30))
    hook = webhooks.create_webhook(actor=author, coop=member, url="https://kazi.example.org/hooks",
                                   events=["vote.opened"])
    registry = _registry_world(steward, people, member, other_coop)
    return {
        "emails": {role: person.email for role, person in people.items()},
        "person_ids": {role: person.id for role, person in people.items()},
        "ids": dict(std=standard.slug, std_id=standard.id, key=section.key, section_id=section.id,
                    base_revision=section.head_revision_id, member=member.slug, applicant=applicant.slug,
                    suspended=suspended.slug, other_coop=other_coop.slug, member_id=member.id,
                    other_coop_id=other_coop.id, suspended_id=suspended.id,
                    draft=draft.id, amendment=opened.id, amendment_draft=opened.head_draft_id, vote=vote.id,
                    closed_vote=closed_vote.id, objection=objection.id, comment=comment.id,
                    thread=comment.thread_id, other_person=people["other_delegate"].id, version=version.id, ref=version.number,
                    join_token=join_token, reset_token=reset_token, hook=hook.id,
                    unsubscribe_token=unsubscribe_token, proxy=proxy.id, formal=formal.id, applicant_id=applicant.id,
                    **registry),
    }


def _registry_world(steward, people, member, other_coop) -> dict:
    """A second standard with version 1.0 ratified by both member co-ops, the delegate's co-op's
    declaration of it, and the other co-op's question on that declaration (deliberate/registry/)."""
    from deliberate.registry import services as registry
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import closing
    from deliberate.voting import services as voting

    standard = standards.create_standard(
        actor=steward, title="Member Data Rights", summary="A model policy.",
        sections=[("Scope", "Every record a co-op keeps."), ("Consent", "Members consent first.")])
    version = versions.assemble_version(actor=steward, standard=standard, summary="The first version.")
    vote = versions.open_ratification_vote(actor=steward, version=version,
                                           closes_at=version.created_at.replace(year=version.created_at.year + 1))
    voting.cast_ballot(actor=people["delegate"], vote=vote, coop=member, choice="for")
    voting.cast_ballot(actor=people["other_delegate"], vote=vote, coop=other_coop, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    from deliberate.extensions import db
    from deliberate.versions.models import Version

    version = db.session.get(Version, version.id)
    claims = {key: {"status": "met", "justification": "We do.", "evidence_url": "https://kazi.example.org/policy"}
              for key in ("scope", "consent")}
    declaration = registry.declare(actor=people["delegate"], coop=member, version=version, stance="adopts",
                                   claims=claims)
    question = registry.ask_question(actor=people["other_delegate"], coop=other_coop, declaration=declaration,
                                     reasons="Your policy page says otherwise.")
    return {"reg_std": standard.slug, "declaration": declaration.id, "question": question.id}


def every_row() -> dict[str, list]:
    """Every row of every table: what a refused request must leave exactly as it was."""
    from sqlalchemy import select

    from deliberate.extensions import db

    db.session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns))]
    db.session.rollback()
    return rows
