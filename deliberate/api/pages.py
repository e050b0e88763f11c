"""The API tokens page on a person's account: make, name, scope and revoke personal access tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..errors import DomainError
from ..forms import DataRequired, Length, show_errors
from ..members.fresh import fresh_login_required
from . import tokens

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")

SCOPE_CHOICES = [SelectChoice("read", _l("Read: what you can see, including your own drafts")),
                 SelectChoice("write", _l("Write: propose and edit amendments, comment")),
                 SelectChoice("vote", _l("Vote: cast or change your co-op's ballot, object"))]


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=tokens.MAX_NAME)],
                       description=_l("What will use it, e.g. “our co-op's voting script”."))
    scopes = SelectMultipleField(_l("What it may do"), choices=SCOPE_CHOICES, default=["read"],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class RevokeForm(FlaskForm):
    pass


def _page(form: TokenForm, created: dict | None = None, status: int = 200):
    html = render_template("api/tokens.html", form=form, created=created, revoke_form=RevokeForm(),
                           tokens=tokens.list_tokens(current_user), session_version=current_user.session_version)
    # A new token appears once, in this page: it must never be kept in a cache.
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/")
@login_required
def index():
    return _page(TokenForm(formdata=None))


@bp.post("/")
@fresh_login_required
def create():
    """Make a token. Like other account changes, it needs a fresh sign-in (the password typed
    in the last few minutes): a stolen session cookie alone cannot mint a long-lived token."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        token, raw = tokens.create_token(actor=current_user, name=form.name.data, scopes=form.scopes.data, fresh=True)
    except DomainError as error:
        show_errors(form, error)
        return _page(form, status=error.status)
    return _page(TokenForm(formdata=None), {"token": token, "raw": raw})


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if not RevokeForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    else:
        token = tokens.revoke_token(actor=current_user, token_id=token_id)
        flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for(".index"))
