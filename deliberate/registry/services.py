"""The registry's writes: declaring, re-affirming, questioning, answering and escalating.

Each service checks who may act (delegates act for their own co-op only), writes its rows and
one entry of the registry's hash-chained record in one unit of work, and records its event; the
event is published after commit. Rules live in the pure modules (rules, terms, chain).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from .. import limits
from ..database import unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..members.models import Cooperative, Person
from ..members.permissions import is_delegate_of
from ..realtime.events import record_event
from ..standards.models import Standard
from ..versions.models import Version, VersionSection
from ..voting.ledger import parse_at
from . import chain, rules, terms
from .models import Declaration, DeclarationClaim, DeclarationQuestion, RegistryEntry

log = logging.getLogger(__name__)

REASONS = 5_000  # a question's reasons, an answer


# Reading what the services need ---------------------------------------------------------------

def terms_for(standard: Standard) -> terms.RegistryTerms:
    """The standard's registry terms; the defaults (and a warning in the log) if its policy holds
    values out of range, so that a bad policy never hides the registry."""
    try:
        from ..policies.queries import network_policy_stored, overlay

        return terms.from_policy(overlay(network_policy_stored(), standard.policy or {}))
    except terms.TermsError as error:
        log.warning("standard %s: registry policy ignored: %s", standard.id, error)
        return terms.RegistryTerms()


def snapshot(session: Session, version: Version) -> list[dict[str, Any]]:
    """The version's sections as the pure rules read them: key, title, body, in order."""
    rows = session.scalars(select(VersionSection).where(VersionSection.version_id == version.id)
                           .order_by(VersionSection.position))
    return [{"key": s.key, "title": s.title, "body": s.body} for s in rows]


def current_declaration(session: Session, coop_id: int, standard_id: int) -> Declaration | None:
    """The co-op's newest declaration for the standard (whatever version it names)."""
    return session.scalar(select(Declaration).where(Declaration.coop_id == coop_id,
                                                    Declaration.standard_id == standard_id)
                          .order_by(Declaration.id.desc()).limit(1))


def get_declaration(declaration_id: int) -> Declaration:
    from ..extensions import db

    found = db.session.get(Declaration, declaration_id)
    if found is None:
        raise NotFound(_("There is no such declaration."))
    return found


def get_question(question_id: int) -> DeclarationQuestion:
    from ..extensions import db

    found = db.session.get(DeclarationQuestion, question_id)
    if found is None:
        raise NotFound(_("There is no such question."))
    return found


def delegate_pseudonym(coop_id: int, person_id: int) -> str:
    """The name the record gives the delegate who acted for a co-op: "d-" and 32 hex characters,
    keyed with the site's secret, so the record never holds a name (erasure leaves it intact)."""
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    digest = hmac.new(key, f"registry-delegate|{coop_id}|{person_id}".encode(), hashlib.sha256).hexdigest()
    return "d-" + digest[:32]


# Who may ---------------------------------------------------------------------------------------

def check_can_act_for(actor: Person | None, coop: Cooperative) -> None:
    """Only a delegate of a member co-op speaks for it in the registry."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in as a delegate of a member co-op."))
    if not is_delegate_of(actor, coop):
        raise PermissionDenied(_("Only delegates of %(coop)s can speak for it in the registry.", coop=coop.name))
    if coop.status != "member":
        raise PermissionDenied(_("Only member co-ops take part in the registry."))


def check_can_declare(actor: Person | None, coop: Cooperative, version: Version) -> None:
    check_can_act_for(actor, coop)
    if not version.is_ratified:
        raise Conflict(_("Co-ops declare against ratified versions only."))


def acting_coop(actor: Person | None, slug: str | None = None) -> Cooperative:
    """The member co-op the actor speaks for: the one named, or their only member co-op."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Please sign in as a delegate of a member co-op."))
    coops = [c for c in actor.acting_coops if c.status == "member"]
    if slug:
        chosen = next((c for c in actor.coops if c.slug == slug), None)
        if chosen is None:
            raise PermissionDenied(_("You are not a delegate of that co-op."))
        return chosen
    if not coops:
        raise PermissionDenied(_("Only delegates of member co-ops take part in the registry."))
    return coops[0]


# The record ------------------------------------------------------------------------------------

# The registry record's advisory-lock key on PostgreSQL: appends are serialised (``seq`` stays
# contiguous) by their own lock, taken after the caller's row locks; the record does not follow the
# events' order, so it does not wait for the events lock (taken at commit, last, by realtime.events).
REGISTRY_LOCK_KEY = 7_401_205


def _append(session: Session, kind: str, ref: int, payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Append one entry to the registry's record, inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTRY_LOCK_KEY})
    last = session.scalar(select(RegistryEntry).order_by(RegistryEntry.seq.desc()).limit(1))
    previous = last.entry() if last is not None else None
    at = now
    # Times never go back in the record, even if two servers' clocks disagree a little.
    if previous is not None and parse_at(previous["at"]) > at:
        at = parse_at(previous["at"])
    try:
        entry = chain.make_entry(previous, kind, ref, payload, at)
    except chain.RegistryChainError as error:
        raise InvalidInput(_("This cannot be recorded: %(problem)s", problem=str(error))) from None
    session.execute(insert(RegistryEntry.__table__), [entry])
    return entry


def _rule_error(error: rules.RuleError) -> InvalidInput:
    messages = {
        "stance": _("Choose whether the co-op adopts, aspires to, or does not adopt this version."),
        "section": _("That section is not part of this version."),
        "status": _("Choose met, partly met, not met or not applicable."),
        "justification": _("Say briefly how the co-op meets this section."),
        "justification_long": _("Please keep each justification under %(limit)s characters.",
                                limit=rules.MAX_JUSTIFICATION),
        "missing": _("Say where the co-op stands on every section asked."),
        "scheme": _("An evidence link must start with https://."),
        "credentials": _("An evidence link cannot hold a user name or password."),
        "address": _("An evidence link must name a public web site, not a numeric address."),
        "local": _("An evidence link must name a public web site."),
        "too_long": _("That evidence link is too long."),
        "spaces": _("An evidence link cannot contain spaces."),
    }
    message = messages.get(error.code, _("That is not a web address."))
    return InvalidInput(message, field_errors={error.field or "sections": [message]})


# Declaring -------------------------------------------------------------------------------------

def _clean_claims(claims: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The claims' texts as every text is stored (limits.clean_text: control characters refused)."""
    cleaned = {}
    for key, claim in claims.items():
        cleaned[str(key)] = {
            "status": limits.clean_text(claim.get("status"), f"sections.{key}.status", 16, multiline=False),
            "justification": limits.clean_text(claim.get("justification"), f"sections.{key}.justification",
                                               rules.MAX_JUSTIFICATION, multiline=False),
            "evidence_url": limits.clean_text(claim.get("evidence_url"), f"sections.{key}.evidence_url",
                                              rules.MAX_EVIDENCE_URL, multiline=False)}
    return cleaned


def _write_declaration(session: Session, *, actor: Person, coop: Cooperative, version: Version, stance: str,
                       claims: dict[str, dict[str, str]], carried: set[str], note: str,
                       reaffirms: Declaration | None, now: datetime) -> Declaration:
    keys = [s["key"] for s in snapshot(session, version)]
    declaration = Declaration(coop_id=coop.id, standard_id=version.standard_id, version_id=version.id,
                              stance=stance, note=note, declared_by_id=actor.id, declared_at=now,
                              reaffirms_id=reaffirms.id if reaffirms else None, entry_hash="")
    session.add(declaration)
    session.flush()
    position = {key: i for i, key in enumerate(keys)}
    for key, claim in claims.items():
        session.add(DeclarationClaim(declaration_id=declaration.id, key=key, position=position[key],
                                     status=claim["status"], justification=claim["justification"],
                                     evidence_url=claim["evidence_url"], carried=key in carried))
    session.flush()
    standard = session.get(Standard, version.standard_id)
    payload = {"declaration_id": declaration.id, "standard": standard.slug, "version": version.number,
               "version_hash": version.content_hash, "coop": coop.slug,
               "delegate": delegate_pseudonym(coop.id, actor.id), "stance": stance,
               "reaffirms": reaffirms.id if reaffirms else None, "note": note,
               "sections": [{"key": key, **claim, "carried": key in carried} for key, claim in claims.items()]}
    entry = _append(session, "declaration", declaration.id, payload, now)
    declaration.entry_hash = entry["hash"]
    record_event(session, "declaration_made", f"standard:{version.standard_id}",
                 {"declaration_id": declaration.id, "standard_id": version.standard_id, "version": version.number,
                  "coop": coop.slug, "stance": stance, "reaffirms": payload["reaffirms"]}, actor_id=actor.id)
    return declaration


def _lock_version(session: Session, version_id: int) -> Version:
    version = session.scalar(select(Version).where(Version.id == version_id).with_for_update())
    if version is None:
        raise NotFound(_("There is no such version."))
    return version


def declare(*, actor: Person, coop: Cooperative, version: Version, stance: str,
            claims: Mapping[str, Mapping[str, Any]], note: str = "", now: datetime | None = None) -> Declaration:
    """The co-op declares where it stands on a ratified version, section by section. A newer
    declaration supersedes the co-op's earlier one for the same standard."""
    note = limits.clean_text(note, "note", rules.MAX_NOTE)
    with unit_of_work() as session:
        version = _lock_version(session, version.id)
        coop = session.get(Cooperative, coop.id)
        check_can_declare(actor, coop, version)
        keys = [s["key"] for s in snapshot(session, version)]
        try:
            cleaned = rules.check_claims(stance, _clean_claims(claims), keys)
        except rules.RuleError as error:
            raise _rule_error(error) from None
        previous = current_declaration(session, coop.id, version.standard_id)
        declaration = _write_declaration(session, actor=actor, coop=coop, version=version, stance=stance,
                                         claims=cleaned, carried=set(), note=note, reaffirms=previous,
                                         now=now or utcnow())
    return declaration


def reaffirmation(session: Session, coop: Cooperative, version: Version) -> tuple[Declaration, list[dict[str, Any]]]:
    """The co-op's earlier declaration this version would re-affirm, and what changed since the
    version it declared (rules.changed_since). Conflict when there is nothing to re-affirm."""
    previous = current_declaration(session, coop.id, version.standard_id)
    if previous is None:
        raise Conflict(_("%(coop)s has not declared an earlier version of this standard: declare this one in full.",
                         coop=coop.name))
    declared = session.get(Version, previous.version_id)
    if declared.id == version.id or declared.sort_key >= version.sort_key:
        raise Conflict(_("%(coop)s already declared version %(number)s or a later one.", coop=coop.name,
                         number=declared.number))
    return previous, rules.changed_since(snapshot(session, declared), snapshot(session, version))


def reaffirm(*, actor: Person, coop: Cooperative, version: Version, claims: Mapping[str, Mapping[str, Any]],
             stance: str | None = None, note: str = "", now: datetime | None = None) -> Declaration:
    """The co-op re-affirms its declaration on a newer version: it answers only for the sections
    added or changed since the version it declared; its claims on the others carry over."""
    note = limits.clean_text(note, "note", rules.MAX_NOTE)
    with unit_of_work() as session:
        version = _lock_version(session, version.id)
        coop = session.get(Cooperative, coop.id)
        check_can_declare(actor, coop, version)
        previous, changes = reaffirmation(session, coop, version)
        declared = session.get(Version, previous.version_id)
        stance = stance or previous.stance
        current = snapshot(session, version)
        keys = [s["key"] for s in current]
        carried = rules.carried_claims({c.key: {"status": c.status, "justification": c.justification,
                                                "evidence_url": c.evidence_url} for c in previous.claims},
                                       snapshot(session, declared), current)
        required = [e["key"] for e in changes if e["status"] != "removed"]
        asked = {key: claim for key, claim in _clean_claims(claims).items() if key in required}
        try:
            fresh = rules.check_claims(stance, asked, keys, required=required)
        except rules.RuleError as error:
            raise _rule_error(error) from None
        merged = {key: (fresh.get(key) or carried[key]) for key in keys if key in fresh or key in carried}
        declaration = _write_declaration(session, actor=actor, coop=coop, version=version, stance=stance,
                                         claims=merged, carried=set(carried) - set(fresh), note=note,
                                         reaffirms=previous, now=now or utcnow())
    return declaration


# Questions -------------------------------------------------------------------------------------

def check_can_ask(actor: Person | None, coop: Cooperative, declaration: Declaration) -> None:
    check_can_act_for(actor, coop)
    if coop.id == declaration.coop_id:
        raise PermissionDenied(_("A co-op does not question its own declaration: make a new one instead."))


def ask_question(*, actor: Person, coop: Cooperative, declaration: Declaration, reasons: str,
                 section_key: str | None = None, now: datetime | None = None) -> DeclarationQuestion:
    """A member co-op publicly questions another co-op's declaration, giving its reasons."""
    reasons = limits.clean_text(reasons, "reasons", REASONS,
                                required=_("Say what seems untrue, and why."))
    now = now or utcnow()
    with unit_of_work() as session:
        declaration = session.get(Declaration, declaration.id)
        coop = session.get(Cooperative, coop.id)
        check_can_ask(actor, coop, declaration)
        section_key = section_key or None
        if section_key is not None and section_key not in {c.key for c in declaration.claims}:
            raise InvalidInput(_("That section is not part of this declaration."),
                               field_errors={"section": [_("Choose a section of the declaration.")]})
        question = DeclarationQuestion(declaration_id=declaration.id, coop_id=coop.id, section_key=section_key,
                                       reasons=reasons, asked_by_id=actor.id, asked_at=now, answer="")
        session.add(question)
        session.flush()
        _append(session, "question", question.id,
                {"question_id": question.id, "declaration_id": declaration.id, "coop": coop.slug,
                 "delegate": delegate_pseudonym(coop.id, actor.id), "section": section_key, "reasons": reasons}, now)
        record_event(session, "declaration_question_asked", f"standard:{declaration.standard_id}",
                     {"question_id": question.id, "declaration_id": declaration.id,
                      "standard_id": declaration.standard_id, "coop": coop.slug}, actor_id=actor.id)
    return question


def _lock_question(session: Session, question_id: int) -> DeclarationQuestion:
    """The question, its row locked (on PostgreSQL) and read afresh: two answers never cross."""
    session.execute(select(DeclarationQuestion.id).where(DeclarationQuestion.id == question_id).with_for_update())
    found = session.get(DeclarationQuestion, question_id, populate_existing=True)
    if found is None:
        raise NotFound(_("There is no such question."))
    return found


def check_can_answer(actor: Person | None, question: DeclarationQuestion) -> None:
    check_can_act_for(actor, question.declaration.coop)
    if question.answered_at is not None:
        raise Conflict(_("This question has been answered already."))
    if question.escalated_at is not None:
        raise Conflict(_("This question has been taken to the formal objection process."))


def answer_question(*, actor: Person, question: DeclarationQuestion, answer: str,
                    now: datetime | None = None) -> DeclarationQuestion:
    """The declaring co-op answers a question on its declaration; both stay on the record."""
    answer = limits.clean_text(answer, "answer", REASONS, required=_("Write the co-op's answer."))
    now = now or utcnow()
    with unit_of_work() as session:
        question = _lock_question(session, question.id)
        check_can_answer(actor, question)
        coop = question.declaration.coop
        question.answer, question.answered_by_id, question.answered_at = answer, actor.id, now
        _append(session, "answer", question.id,
                {"question_id": question.id, "declaration_id": question.declaration_id, "coop": coop.slug,
                 "delegate": delegate_pseudonym(coop.id, actor.id), "answer": answer}, now)
        record_event(session, "declaration_question_answered", f"standard:{question.declaration.standard_id}",
                     {"question_id": question.id, "declaration_id": question.declaration_id,
                      "standard_id": question.declaration.standard_id, "coop": coop.slug}, actor_id=actor.id)
    return question


def check_can_escalate(actor: Person | None, question: DeclarationQuestion) -> None:
    check_can_act_for(actor, question.coop)
    if question.escalated_at is not None:
        raise Conflict(_("This question has already been taken to the formal objection process."))


def escalate_question(*, actor: Person, question: DeclarationQuestion, proposed_change: str = "",
                      now: datetime | None = None) -> DeclarationQuestion:
    """The co-op that asked takes an unresolved question to the formal objection process, in one
    transaction: a formal objection is filed (``appeals.services.file_objection``, subject
    ``declaration_question:<id>``, by the asking co-op), the question is marked escalated with the
    objection's id, the registry's record says so (its entry's format is unchanged: the objection's
    own record names the question as its subject), and ``declaration_question_escalated`` is
    emitted. Refused as a whole (nothing filed, nothing marked) if the filing is refused, e.g. once
    the period for objections has ended (registry/objections.py says how long it is)."""
    from ..appeals import services as appeals

    now = now or utcnow()
    with unit_of_work() as session:
        question = _lock_question(session, question.id)
        check_can_escalate(actor, question)
        declaration = question.declaration
        issue = _("Is the declaration of %(coop)s on %(standard)s %(number)s true?", coop=declaration.coop.name,
                  standard=declaration.standard.title, number=declaration.version.number)
        rationale = question.reasons
        if question.answer:
            rationale += "\n\n" + _("%(coop)s answered: %(answer)s", coop=declaration.coop.name, answer=question.answer)
        proposed_change = proposed_change or _("That %(coop)s corrects its declaration, or shows that it is true.",
                                               coop=declaration.coop.name)
        objection = appeals.file_objection(actor=actor, subject_kind="declaration_question", subject_id=question.id,
                                           issue=issue, rationale=rationale[:appeals.TEXT],
                                           proposed_change=proposed_change, coop=question.coop, now=now,
                                           within=session)
        question.escalated_by_id, question.escalated_at, question.objection_id = actor.id, now, objection.id
        _append(session, "escalation", question.id,
                {"question_id": question.id, "declaration_id": question.declaration_id, "coop": question.coop.slug,
                 "delegate": delegate_pseudonym(question.coop_id, actor.id)}, now)
        record_event(session, "declaration_question_escalated", f"standard:{declaration.standard_id}",
                     {"question_id": question.id, "declaration_id": question.declaration_id,
                      "standard_id": declaration.standard_id, "coop": question.coop.slug,
                      "declaring_coop": declaration.coop.slug, "reasons": question.reasons,
                      "answer": question.answer, "objection_id": objection.id}, actor_id=actor.id)
    return question


# Reading the record -----------------------------------------------------------------------------

def entries(session: Session) -> list[dict[str, Any]]:
    return [row.entry() for row in session.scalars(select(RegistryEntry).order_by(RegistryEntry.seq))]
