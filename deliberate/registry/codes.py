"""The registry's stored codes. Standard library only: the offline record checker imports this."""
from __future__ import annotations

STANCES = ("adopts", "aspires", "does_not_adopt")
STATUSES = ("met", "partly", "not_met", "not_applicable")
# What a declaration is now: in force, past its period, or replaced by a newer one.
STATES = ("current", "lapsed", "superseded")
