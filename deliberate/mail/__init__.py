"""Mail: an outbox written in the transaction of what each mail tells about, sent over SMTP by the
worker job "mail" with retries; the notification settings and one-click unsubscribe (docs/email.md)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Queue invitation and reset mails from the members services' link hook (the vote mails come
    from a listener on the events table, loaded here with ``outbox``); the unsubscribe page; the
    worker job "mail"; the mail part of a person's rights."""
    from .. import worker
    from ..extensions import csrf
    from ..members import rights as person_rights
    from ..members import services as members
    from . import outbox, queries, sender, services, views

    if outbox.queue_link not in members.LINK_HOOKS:
        members.LINK_HOOKS.append(outbox.queue_link)
    person_rights.register(erase=[services.erase_mail], export={"mail": services.export_mail})
    # Mail programs post the one-click unsubscribe without a session or a CSRF token (RFC 8058).
    csrf.exempt(views.unsubscribe)
    app.register_blueprint(views.bp)
    worker.register(app, worker.Job("mail", sender.tick, sender.interval, wake=outbox._wake))
    from ..ops import metrics

    metrics.register_queue("mail_outbox", queries.pending_count, "mails waiting to be sent (or retried)")
    metrics.register_queue("mail_failed", queries.failed_count, "mails given up after repeated refusals")
    for warning in startup_warnings(app.config):
        log.warning(warning)


def startup_warnings(config) -> list[str]:
    """What a production start should say about mail: nothing is sent without SMTP_HOST, and links
    need PUBLIC_URL."""
    if config.get("ENV_NAME") != "production":
        return []
    warnings = []
    if not config.get("SMTP_HOST"):
        warnings.append("SMTP_HOST is not set: mails (invitations, password resets, vote notices) are queued "
                        "but not sent until it is (docs/email.md)")
    if not config.get("PUBLIC_URL"):
        warnings.append("PUBLIC_URL is not set: links in mails cannot point at this site (docs/email.md)")
    return warnings
