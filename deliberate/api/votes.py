"""API: votes — rule, electorate, turnout, result, ballots, objections and the ballot record; cast
or change your co-op's ballot, object and withdraw an objection (``vote`` scope).

The writes call the same services as the vote page (deliberate/voting/services.py)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..database import utcnow
from ..errors import Conflict, PermissionDenied
from ..extensions import db
from ..standards.models import Standard
from ..voting import objections, permissions, queries, services
from ..voting.models import Objection, Vote
from . import present
from .auth import current_person
from .blueprint import bp
from .helpers import coop_from, listing, listing_query
from .openapi import PAGE_PARAMS, Param, operation, page, path_id
from .schemas import ref

VOTE = path_id("vote_id", "The vote's number.")
OBJECTION = path_id("objection_id", "The objection's id.")
STATE = Param("state", "query", {"type": "string", "enum": ["open", "closed", "cancelled"]}, "Only votes in this state.")


def _standard_slugs(votes: list[Vote]) -> dict[int, str]:
    ids = {v.standard_id for v in votes if v.standard_id}
    return {s.id: s.slug for s in db.session.query(Standard).filter(Standard.id.in_(ids))} if ids else {}


@operation(bp, "GET", "/votes", summary="List votes", tag="Votes", params=(STATE, *PAGE_PARAMS),
           response=(200, page("VoteSummary"), "A page of votes, newest first."))
def list_votes(query: dict[str, Any]):
    """Every vote, newest first, with its state, turnout and (once closed) whether it passed."""
    statement = select(Vote)
    if query.get("state"):
        statement = statement.where(Vote.state == query["state"])

    def summaries(votes: list[Vote]) -> list[dict[str, Any]]:
        turnouts, electorates, slugs = queries.turnouts(votes), queries.electorate_sizes(votes), _standard_slugs(votes)
        return [present.vote_summary(v, {"turnout": turnouts.get(v.id, 0), "electorate": electorates.get(v.id, 0)},
                                     slugs.get(v.standard_id)) for v in votes]

    return listing_query(statement, column=Vote.id, query=query, descending=True, serialise_page=summaries)


@operation(bp, "GET", "/votes/{vote_id}", summary="Get a vote", tag="Votes", params=(VOTE,),
           response=(200, ref("Vote"), "The vote: rule, electorate, turnout and result."))
def get_vote(vote_id: int):
    """A vote's rule (fixed when it opened), the exact text voted on and its hash, the electorate,
    the turnout, and the result once closed (running totals only where the rule shows them). With a
    token: `your_coops` gives each co-op you are a delegate of in this vote, its ballot, its receipt
    (`receipt_hash`: check it with `deliberate verify vote-N.jsonl --receipt HASH`) and, in a secret
    vote, the name the record gives it. In an open secret vote the turnout is the batched figure."""
    vote = queries.get_vote(vote_id)
    page = queries.vote_page(vote, current_person(), utcnow())
    return present.vote(page, standard_slug=_standard_slugs([vote]).get(vote.standard_id))


@operation(bp, "GET", "/votes/{vote_id}/ballots", summary="List a closed vote's ballots", tag="Votes",
           params=(VOTE, *PAGE_PARAMS), errors=(409,),
           response=(200, page("Ballot"), "A page of ballots (one per co-op that voted), by co-op."))
def list_ballots(vote_id: int, query: dict[str, Any]):
    """Who voted what: published when a public vote closes (409 before). A secret vote never shows
    it (403): only its totals and turnout, and each co-op's receipt in the ballot record."""
    vote = queries.get_vote(vote_id)
    if not permissions.can_see_ballots(current_person(), vote):
        if vote.secret:
            raise PermissionDenied(_("This is a secret ballot: only totals and turnout are shown."))
        raise Conflict(_("Who voted what is shown when the vote closes."))
    return listing(queries.ballots(vote), present.ballot, key=lambda b: b.coop_id,
                   query=query)


@operation(bp, "GET", "/votes/{vote_id}/record", summary="Download the ballot record", tag="Votes",
           params=(VOTE,), errors=(409,), content_type="application/x-ndjson",
           response=(200, {"type": "string"}, "The hash-chained record as JSON lines, exactly as stored: "
                                               "check it with `deliberate verify`."))
def ballot_record(vote_id: int):
    """The vote's append-only record (published once it is closed or cancelled; 409 while open)."""
    return queries.record_download(queries.get_vote(vote_id))


@operation(bp, "GET", "/votes/{vote_id}/objections", summary="List objections and concerns", tag="Votes",
           params=(VOTE, *PAGE_PARAMS), response=(200, page("Objection"), "A page of objections and concerns."))
def list_objections(vote_id: int, query: dict[str, Any]):
    """Objections (consent votes) and concerns, with their arguments and how they ended. In a secret
    vote the co-op is named only to its own delegates."""
    vote = queries.get_vote(vote_id)
    person = current_person()
    mine = queries.my_coop_ids(person, vote)
    return listing(queries.objections(vote),
                   lambda o: present.objection(o, permissions.can_see_objection_coop(person, vote, o, mine),
                                               permissions.can_see_objection_times(vote)),
                   key=lambda o: o.id, query=query)


@operation(bp, "PUT", "/votes/{vote_id}/ballot", summary="Cast or change your co-op's ballot", tag="Votes",
           scope="vote", token="required", params=(VOTE,), body="NewBallot", errors=(409,),
           response=(200, ref("YourBallot"), "Your co-op's counted ballot (the last one cast counts)."),
           example={"choice": "for", "note": "Decided at our general assembly of 3 November."})
def cast_ballot(vote_id: int, body: dict[str, Any]):
    """Cast your co-op's ballot, or replace it, while the vote is open: `choice` for majority,
    supermajority and consent votes, `ranking` for ranked ones. `coop` is needed if you are a
    delegate of several co-ops in the electorate."""
    vote = queries.get_vote(vote_id)
    person = current_person()
    ballot = services.cast_ballot(actor=person, vote=vote, coop=coop_from(body), choice=body.get("choice"),
                                  ranking=body.get("ranking"), note=body.get("note", ""))
    return _your_ballot(vote, ballot.coop_id)


def _your_ballot(vote: Vote, coop_id: int) -> dict[str, Any]:
    vote = db.session.get(Vote, vote.id, populate_existing=True)
    mine = queries.ballot_for(queries.vote_page(vote, current_person(), utcnow()), coop_id)
    return present.your_coop(vote, mine)


@operation(bp, "POST", "/votes/{vote_id}/objections", summary="Object (consent votes)", tag="Votes", scope="vote",
           token="required", params=(VOTE,), body="NewObjection", errors=(409,),
           response=(201, ref("Objection"), "The standing objection: it blocks until withdrawn or resolved."),
           example={"argument": "Clause 2 would exclude our freelance members.", "passage": "employees only"})
def raise_objection(vote_id: int, body: dict[str, Any]):
    """Your co-op objects in a consent vote: its ballot becomes an objection, with its reasons."""
    vote = queries.get_vote(vote_id)
    objection = objections.raise_objection(actor=current_person(), vote=vote, coop=coop_from(body),
                                         argument=body["argument"], passage=body.get("passage", ""),
                                         paramount=bool(body.get("paramount", False)), note=body.get("note", ""))
    return _objection(vote, objection.id), 201


@operation(bp, "POST", "/votes/{vote_id}/objections/{objection_id}/withdraw", summary="Withdraw an objection",
           tag="Votes", scope="vote", token="required", params=(VOTE, OBJECTION), body="Note", body_required=False,
           errors=(409,), response=(200, ref("Objection"), "The objection, withdrawn: it no longer blocks."),
           example={"note": "Resolved by amendment 14."})
def withdraw_objection(vote_id: int, objection_id: int, body: dict[str, Any]):
    """A delegate of the objecting co-op withdraws its objection while the vote is open."""
    vote = queries.get_vote(vote_id)
    objection = queries.get_objection(vote, objection_id)
    objection = objections.withdraw_objection(actor=current_person(), objection=objection, note=body.get("note", ""))
    return _objection(vote, objection.id)


def _objection(vote: Vote, objection_id: int) -> dict[str, Any]:
    person, objection = current_person(), db.session.get(Objection, objection_id)
    named = permissions.can_see_objection_coop(person, vote, objection, queries.my_coop_ids(person, vote))
    return present.objection(objection, named, permissions.can_see_objection_times(vote))
