"""Webhook pages: the list, registering one, its page with the delivery log, and its buttons.

Every route needs a signed-in person who may manage the webhook (a delegate of its co-op or a
steward); anyone else gets 404 for a webhook (they cannot tell it exists) and 403 for the lists.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..caching import no_store
from ..errors import DomainError, NotFound, PermissionDenied
from ..forms import show_errors
from ..members import services as members
from ..members.models import Cooperative
from ..members.permissions import is_steward
from . import permissions, services, signing
from .forms import EVENT_LABELS, ActionForm, WebhookForm
from .models import Webhook

bp = Blueprint("webhooks", __name__)

NETWORK = "network"


@dataclass(frozen=True)
class Group:
    """The webhooks of one owner, as a list shows them."""

    coop: Cooperative | None
    hooks: list[Webhook]
    can_create: bool

    @property
    def owner_value(self) -> str:
        return NETWORK if self.coop is None else f"coop:{self.coop.slug}"


def _groups(person) -> list[Group]:
    groups: list[Group] = []
    if permissions.can_manage_network_hooks(person):
        groups.append(Group(None, services.hooks_of(None), True))
        by_coop: dict[int, list[Webhook]] = {}
        for hook in services.all_coop_hooks():
            by_coop.setdefault(hook.coop_id, []).append(hook)  # type: ignore[arg-type]
        coops = {c.id: c for c in person.coops}
        coops.update({h[0].coop_id: h[0].coop for h in by_coop.values()})  # type: ignore[misc]
    else:
        coops = {c.id: c for c in person.coops}
        by_coop = {}
    for coop in sorted(coops.values(), key=lambda c: c.name):
        hooks = by_coop.get(coop.id) if by_coop else None
        groups.append(Group(coop, hooks if hooks is not None else services.hooks_of(coop),
                            permissions.can_create_hook(person, coop)))
    return groups


@bp.get("/webhooks/")
@login_required
def index():
    groups = _groups(current_user)
    if not groups:
        raise PermissionDenied(_("Webhooks belong to co-ops and to the stewards: ask a delegate of your co-op."))
    return render_template("webhooks/index.html", groups=groups, coop=None, event_labels=EVENT_LABELS)


@bp.get("/coops/<slug>/webhooks")
@login_required
def coop_index(slug: str):
    coop = members.get_coop(slug)
    if not permissions.can_manage_coop_hooks(current_user, coop):
        raise NotFound(_("We could not find that page."))
    groups = [Group(coop, services.hooks_of(coop), permissions.can_create_hook(current_user, coop))]
    return render_template("webhooks/index.html", groups=groups, coop=coop, event_labels=EVENT_LABELS)


def _owner_choices(person, wanted: str | None) -> dict[str, Cooperative | None]:
    """The owners ``person`` may register a webhook for (value -> co-op, None for the network)."""
    owners: dict[str, Cooperative | None] = {}
    if permissions.can_manage_network_hooks(person):
        owners[NETWORK] = None
    for coop in sorted(person.coops, key=lambda c: c.name):
        if permissions.can_create_hook(person, coop):
            owners[f"coop:{coop.slug}"] = coop
    if wanted and wanted.startswith("coop:") and wanted not in owners:
        try:
            coop = members.get_coop(wanted[5:])
        except DomainError:
            coop = None
        if coop is not None and permissions.can_create_hook(person, coop):
            owners[wanted] = coop
    return owners


@bp.route("/webhooks/new", methods=["GET", "POST"])
@login_required
def new():
    wanted = request.values.get("owner")
    owners = _owner_choices(current_user, wanted)
    if not owners:
        raise PermissionDenied(_("Only delegates of member co-ops and stewards can register webhooks."))
    form = WebhookForm()
    form.owner.choices = [SelectChoice(value, _("The whole network (stewards)") if coop is None else coop.name)
                          for value, coop in owners.items()]
    if request.method == "GET":
        form.owner.data = wanted if wanted in owners else next(iter(owners))
        form.events.data = list(signing.EVENT_TYPES)
    elif "owner" not in request.form and len(owners) == 1:
        form.owner.data = next(iter(owners))  # only one possible owner: no need to choose
    if form.validate_on_submit():
        try:
            hook = services.create_webhook(actor=current_user, coop=owners[form.owner.data], url=form.url.data or "",
                                           events=form.events.data or [], description=form.description.data or "",
                                           allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"])
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("The webhook is registered. Copy its secret now: your receiver needs it to check signatures."),
                  "success")
            return redirect(url_for(".show", webhook_id=hook.id))
    status = 422 if request.method == "POST" else 200
    return render_template("webhooks/new.html", form=form, event_labels=EVENT_LABELS,
                           allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"]), status


@bp.get("/webhooks/<int:webhook_id>")
@login_required
@no_store  # the page shows the signing secret
def show(webhook_id: int):
    hook = services.get_webhook(webhook_id, current_user)
    deliveries = services.deliveries_of(hook)
    try:
        schedule = signing.parse_schedule(current_app.config.get("WEBHOOK_RETRY_SCHEDULE",
                                                                 signing.DEFAULT_SCHEDULE_TEXT))
    except ValueError:  # the worker refuses to start with it and says why; the page still shows
        schedule = signing.DEFAULT_SCHEDULE
    return render_template("webhooks/show.html", hook=hook, deliveries=deliveries,
                           attempts=services.attempts_of(deliveries), form=ActionForm(), event_labels=EVENT_LABELS,
                           max_attempts=signing.max_attempts(schedule), schedule=schedule,
                           disable_after=current_app.config.get("WEBHOOK_AUTO_DISABLE_AFTER", 0),
                           shown_url=signing.mask_url(hook.url), back=_back(hook))


def _back(hook: Webhook) -> str:
    if hook.coop is not None and not is_steward(current_user):
        return url_for(".coop_index", slug=hook.coop.slug)
    return url_for(".index")


def _action(webhook_id: int) -> Webhook:
    hook = services.get_webhook(webhook_id, current_user)
    if not ActionForm().validate_on_submit():
        raise DomainError(_("The form expired. Please try again."))
    return hook


@bp.post("/webhooks/<int:webhook_id>/disable")
@login_required
def disable(webhook_id: int):
    services.set_active(actor=current_user, webhook=_action(webhook_id), active=False)
    flash(_("The webhook is off: nothing will be sent until you turn it back on."), "success")
    return redirect(url_for(".show", webhook_id=webhook_id))


@bp.post("/webhooks/<int:webhook_id>/enable")
@login_required
def enable(webhook_id: int):
    services.set_active(actor=current_user, webhook=_action(webhook_id), active=True)
    flash(_("The webhook is on again: new events will be sent to it."), "success")
    return redirect(url_for(".show", webhook_id=webhook_id))


@bp.post("/webhooks/<int:webhook_id>/ping")
@login_required
def ping(webhook_id: int):
    services.send_ping(actor=current_user, webhook=_action(webhook_id))
    flash(_("A test ping is on its way. Reload this page in a moment to see how it went."), "success")
    return redirect(url_for(".show", webhook_id=webhook_id) + "#deliveries")


@bp.post("/webhooks/<int:webhook_id>/secret")
@login_required
def rotate(webhook_id: int):
    services.rotate_secret(actor=current_user, webhook=_action(webhook_id))
    flash(_("The webhook has a new secret: the old one no longer signs deliveries. Update your receiver."),
          "success")
    return redirect(url_for(".show", webhook_id=webhook_id))


@bp.post("/webhooks/<int:webhook_id>/delete")
@login_required
def delete(webhook_id: int):
    hook = _action(webhook_id)
    back = _back(hook)
    services.delete_webhook(actor=current_user, webhook=hook)
    flash(_("The webhook and its delivery log are deleted."), "success")
    return redirect(back)


