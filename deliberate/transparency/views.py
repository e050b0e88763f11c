"""/transparency: what is stored, for how long and who sees it; and, for members, the audit log."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from ..extensions import db
from ..members import permissions
from ..members.erasure import ERASURE_REASONS
from . import audit

bp = Blueprint("transparency", __name__, url_prefix="/transparency")


@bp.get("/")
def index():
    can_read_log = permissions.can_read_audit_log(current_user)
    log = None
    if can_read_log:
        log = audit.audit_page(db.session, page=request.args.get("page", 1, type=int) or 1)
    config = current_app.config
    return render_template("transparency/index.html", log=log, can_read_log=can_read_log,
                           signed_in=current_user.is_authenticated, reasons=ERASURE_REASONS,
                           invitation_days=config.get("INVITATION_DAYS", 14),
                           reset_minutes=config.get("PASSWORD_RESET_MINUTES", 60),
                           remember_days=config["REMEMBER_COOKIE_DURATION"].days,
                           session_days=config["PERMANENT_SESSION_LIFETIME"].days)
