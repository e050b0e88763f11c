"""Amendments: proposed changes to sections, their state table, rebase and competing groups.

Built on the pure diff and three-way merge engine in ``deliberate.text``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Amendments are voted on ("amendment" and "group" vote subjects), follow the section they
    change when its text moves, guard a section under vote against edits, take part in a
    person's data export, and open votes by themselves when the policy says so (job "phases")."""
    from .. import worker
    from ..members import rights as person_rights
    from ..standards import services as standards
    from ..voting.subjects import register_subject
    from . import adoption, last_call, rights, votes

    register_subject(votes.AMENDMENT)
    register_subject(votes.GROUP)
    _add_once(standards.HEAD_MOVED_HOOKS, adoption.follow_base)
    _add_once(standards.EDIT_GUARDS, votes.refuse_edit_under_vote)
    _add_once(standards.ORDER_GUARDS, votes.refuse_reorder_under_vote)
    _add_once(adoption.VOTE_CONFLICT_HOOKS, votes.cancel_votes_on_conflict)
    person_rights.register(export={"amendments": rights.export_amendments})
    # Opens the votes that open by themselves when a last call ends (terms "vote_opened_by": "automatic").
    worker.register(app, worker.Job("phases", last_call.tick, last_call.interval))


def _add_once(hooks: list, hook) -> None:
    # Tests build many apps in one process: each hook is registered once.
    if hook not in hooks:
        hooks.append(hook)
