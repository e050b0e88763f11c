"""Questions on declarations as decisions a formal objection can be about ("declaration_question").

When a member co-op's public question on another co-op's declaration stays unresolved, the co-op
that asked takes it to the formal objection process (``services.escalate_question``). The
"decision" objected to is the declaration as it stands after the question:

- **decided at**: when the declaring co-op answered, or, while it has not, when the question was
  asked (the declaration stood unchanged from then);
- **filing window**: ``objection_days`` of the *version* terms of the declared standard's policy in
  force (the network's rules with the standard's own entries laid over them): a declaration is
  about a ratified version, so it is objected to on the same clock as the version (30 days unless
  the policy says otherwise);
- **parties** (never drawn for its council): the declaring co-op and the co-op that asked.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..appeals.subjects import Decision, DecisionKind, register_decision_kind
from ..errors import NotFound

KIND = "declaration_question"


class DeclarationQuestionDecision(DecisionKind):
    kind = KIND
    label = _l("Question on a declaration")

    def decision(self, session: Session, subject_id: int) -> Decision:
        from ..policies.queries import terms
        from .models import DeclarationQuestion

        question = session.get(DeclarationQuestion, subject_id)
        if question is None:
            raise NotFound(_("There is no such question."))
        declaration = question.declaration
        answered = question.answered_at is not None
        word = _("answered") if answered else _("not answered")
        title = _("Declaration of %(declarer)s on %(standard)s %(number)s, questioned by %(asker)s: %(outcome)s",
                  declarer=declaration.coop.name, standard=declaration.standard.title,
                  number=declaration.version.number, asker=question.coop.name, outcome=word)
        return Decision(kind=self.kind, subject_id=question.id, title=title,
                        outcome="answered" if answered else "unanswered",
                        decided_at=question.answered_at if answered else question.asked_at,
                        objection_days=int(terms(declaration.standard, "version")["objection_days"]),
                        standard_id=declaration.standard_id,
                        parties=frozenset({declaration.coop_id, question.coop_id}),
                        link=("registry.show", {"declaration_id": declaration.id,
                                                "_anchor": f"question-{question.id}"}))


DECLARATION_QUESTIONS = DeclarationQuestionDecision()


def register() -> None:
    register_decision_kind(DECLARATION_QUESTIONS)
