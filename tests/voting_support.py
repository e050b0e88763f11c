"""A stand-in subject for votes ("sample"), registered on import: the voting services' tests and the
vote pages' tests open votes on it, with alternatives (ranked) or without."""
from __future__ import annotations

from deliberate.errors import NotFound
from deliberate.voting.subjects import SubjectHandler, register_subject


class Sample:
    """A stand-in subject with alternatives, for ranked votes (amendment groups plug in the same way)."""

    def __init__(self, ident: int):
        self.id = ident


class SampleHandler(SubjectHandler):
    kind = "sample"
    label = "A sample question"
    closed: list = []

    def load(self, subject_id):
        if subject_id > 1000:
            raise NotFound("No such sample.")
        return Sample(subject_id)

    def title(self, subject):
        return f"Sample {subject.id}"

    def frozen_text(self, subject):
        return f"Sample question {subject.id}: which wording?"

    def alternatives(self, subject):
        return [("a", "Wording A"), ("b", "Wording B"), ("c", "Wording C")] if subject.id % 2 else None

    def rule_preset(self, subject):
        return "ranked" if subject.id % 2 else "simple-majority"

    def on_close(self, session, subject, vote, outcome):
        SampleHandler.closed.append((vote.id, outcome.passed, outcome.winner))
        return f"Sample decided: {outcome.winner or outcome.passed}."

    def link(self, subject):
        return "votes.index", {}


register_subject(SampleHandler())
