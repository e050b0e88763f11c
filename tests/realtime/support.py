"""Plain helpers shared by the realtime test modules (fixtures are in conftest.py)."""
from __future__ import annotations


def comment_payload(network, **extra) -> dict:
    """What a client sends to post a comment on the network's first section over the socket."""
    return {"subject_kind": "section", "subject_id": network["section"].id, "body": "Live **words**",
            "client_id": "c-8f14e45f-ceea", **extra}
