"""One-click unsubscribe (RFC 8058): ``/mail/unsubscribe/<token>``.

GET shows what the link turns off and a button; it never changes anything (link checkers and mail
scanners open links). POST turns that kind of mail off for that person: sent by the mail program
itself (``List-Unsubscribe=One-Click``) or by the page's button, without a session and without a
CSRF token (the signed token is the authority, and it can do nothing but this).
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from . import kinds, queries, services

bp = Blueprint("mail", __name__, url_prefix="/mail")


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    person, kind = services.read_unsubscribe_token(token)
    return render_template("mail/unsubscribe.html", token=token, kind_label=_(kinds.LABELS[kind]), done=False,
                           is_digest=kind == kinds.DIGEST)


@bp.post("/unsubscribe/<token>")
def unsubscribe(token: str):
    person, kind = services.unsubscribe(token=token)
    return render_template("mail/unsubscribe.html", token=token, kind_label=_(kinds.LABELS[kind]), done=True,
                           is_digest=kind == kinds.DIGEST)


@bp.get("/outbox")
@login_required
def outbox():
    """Stewards: how many mails wait, the oldest one's last error, the mails given up (no addresses)."""
    services.check_can_see_outbox(current_user)
    return render_template("mail/outbox.html", state=queries.outbox_state())
