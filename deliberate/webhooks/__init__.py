"""Webhooks: co-ops and stewards register URLs that receive signed, retried event deliveries."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Who registered a webhook: their part in a person's rights. (``services`` also holds the
    listener on the Event model's insert that queues deliveries in the event's transaction.)"""
    from ..members import rights as person_rights
    from . import services

    person_rights.register(erase=[services._forget_creator], export={"webhooks": services._export_created})
    from .. import worker
    from . import delivery

    worker.register(app, worker.Job("webhooks", delivery.tick, delivery.interval, wake=delivery._wake))
