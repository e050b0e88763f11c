"""Who may join a co-editing room (``coedit_section:{id}``, ``coedit_amendment:{id}``), as
``coediting.init_app`` registers them: whoever may co-edit that document."""
from __future__ import annotations

from ..errors import DomainError
from . import services


def _can_coedit(person, doc: str) -> bool:
    try:
        return person is not None and services.can_coedit(person, services.load_document(doc))
    except DomainError:
        return False


def can_join_section(person, ident: int) -> bool:
    return _can_coedit(person, f"section:{ident}")


def can_join_amendment(person, ident: int) -> bool:
    return _can_coedit(person, f"amendment:{ident}")
