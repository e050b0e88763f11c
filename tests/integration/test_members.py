"""Member services against the database: co-op life cycle, invitations, sign-in, password reset."""
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from deliberate.database import utcnow
from deliberate.errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from deliberate.extensions import db
from deliberate.members import services
from deliberate.members.models import COOP_STATUSES, Cooperative, Delegation, Invitation, Person
from deliberate.realtime.events import Event
from tests.conftest import TEST_PASSWORD


def events_of(kind):
    return list(db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_create_steward_hashes_the_password_and_refuses_duplicates(steward):
    assert steward.is_steward and steward.password_hash.startswith("$argon2id$")
    with pytest.raises(Conflict):
        services.create_steward(email=steward.email.upper(), name="Again", password=TEST_PASSWORD)
    with pytest.raises(InvalidInput):
        services.create_steward(email="not-an-email", name="X", password=TEST_PASSWORD)
    with pytest.raises(InvalidInput):
        services.create_steward(email="ok@example.org", name="X", password="short")


def test_register_coop_starts_as_applicant_with_a_unique_slug(steward):
    coop = services.register_coop(actor=steward, name="Dades Comunes", country="es", kind="data")
    assert (coop.status, coop.slug, coop.country) == ("applicant", "dades-comunes", "ES")
    assert coop.member_since is None
    with pytest.raises(Conflict):
        services.register_coop(actor=steward, name="dades comunes", country="ES", kind="data")
    assert events_of("coop_registered")[0].payload["coop_id"] == coop.id


@pytest.mark.parametrize("field, values", [
    ("country", {"country": "Spain"}),
    ("kind", {"kind": "corporation"}),
    ("website", {"website": "javascript:alert(1)"}),
    ("name", {"name": "   "}),
])
def test_register_coop_rejects_bad_input_and_changes_nothing(steward, field, values):
    data = {"name": "A co-op", "country": "ES", "kind": "worker", **values}
    with pytest.raises(InvalidInput) as caught:
        services.register_coop(actor=steward, **data)
    assert field in caught.value.field_errors
    assert db.session.scalar(select(func.count(Cooperative.id))) == 0


def test_only_stewards_register_and_admit(make_delegate, make_coop):
    delegate = make_delegate()
    with pytest.raises(PermissionDenied):
        services.register_coop(actor=delegate, name="X", country="ES", kind="worker")
    with pytest.raises(PermissionDenied):
        services.change_coop_status(actor=delegate, coop=make_coop("applicant"), status="member")


ALLOWED = {("applicant", "member"), ("applicant", "left"), ("member", "suspended"), ("member", "left"),
           ("suspended", "member"), ("suspended", "left"), ("left", "member")}


@pytest.mark.parametrize("start", COOP_STATUSES)
@pytest.mark.parametrize("target", COOP_STATUSES)
def test_coop_status_transitions(steward, make_coop, start, target):
    coop = make_coop(start)
    assert coop.status == start
    if (start, target) in ALLOWED:
        coop = services.change_coop_status(actor=steward, coop=coop, status=target, reason="Assembly decision")
        assert coop.status == target
        if target == "member":
            assert coop.member_since is not None
        event = events_of("coop_status_changed")[-1]
        assert event.payload == {"coop_id": coop.id, "from": start, "to": target, "reason": "Assembly decision"}
        assert event.actor_id == steward.id
    else:
        with pytest.raises(Conflict):
            services.change_coop_status(actor=steward, coop=coop, status=target)
        assert db.session.get(Cooperative, coop.id).status == start


def test_invitation_is_single_use(steward, make_coop):
    coop = make_coop()
    _invitation, token = services.invite_delegate(actor=steward, coop=coop, email="new@example.org")
    person = services.accept_invitation(token=token, name="New Delegate", email="new@example.org", password=TEST_PASSWORD)
    assert [c.id for c in person.acting_coops] == [coop.id]
    with pytest.raises(Gone):
        services.accept_invitation(token=token, name="Second", email="second@example.org", password=TEST_PASSWORD)
    assert db.session.scalar(select(func.count(Person.id)).where(Person.email == "second@example.org")) == 0


def test_expired_and_unknown_invitations_are_refused(steward, make_coop):
    coop = make_coop()
    invitation, token = services.invite_delegate(actor=steward, coop=coop)
    db.session.execute(Invitation.__table__.update().values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    with pytest.raises(Gone, match="expired"):
        services.accept_invitation(token=token, name="Late", email="late@example.org", password=TEST_PASSWORD)
    with pytest.raises(NotFound):
        services.find_invitation("made-up-token")


def test_invitation_to_an_address_is_bound_to_it(steward, make_coop):
    _inv, token = services.invite_delegate(actor=steward, coop=make_coop(), email="right@example.org")
    with pytest.raises(InvalidInput):
        services.accept_invitation(token=token, name="Wrong", email="wrong@example.org", password=TEST_PASSWORD)
    # The failed attempt did not use the link up.
    assert services.accept_invitation(token=token, name="Right", email="right@example.org", password=TEST_PASSWORD)


def test_a_signed_in_person_can_accept_for_a_second_coop(steward, make_coop, make_delegate):
    first, second = make_coop(), make_coop()
    person = make_delegate(coop=first)
    _inv, token = services.invite_delegate(actor=steward, coop=second)
    services.accept_invitation(token=token, name="", email="", password="", actor=person)
    person = db.session.get(Person, person.id)
    assert sorted(c.id for c in person.acting_coops) == sorted([first.id, second.id])


def test_delegates_invite_colleagues_of_their_own_coop_only(make_coop, make_delegate):
    own, other = make_coop(), make_coop()
    delegate = make_delegate(coop=own)
    services.invite_delegate(actor=delegate, coop=own)
    with pytest.raises(PermissionDenied):
        services.invite_delegate(actor=delegate, coop=other)


def test_suspended_coops_cannot_take_delegates_and_their_delegates_cannot_act(steward, make_coop, make_delegate):
    coop = make_coop()
    delegate = make_delegate(coop=coop)
    _inv, token = services.invite_delegate(actor=steward, coop=coop)
    services.change_coop_status(actor=steward, coop=coop, status="suspended")
    with pytest.raises(Gone):
        services.find_invitation(token)
    assert db.session.get(Person, delegate.id).acting_coops == []


def test_authenticate(make_delegate):
    person = make_delegate(email="Someone@Example.org")
    assert services.authenticate(email="someone@example.org", password=TEST_PASSWORD).id == person.id
    assert services.authenticate(email="someone@example.org", password="wrong password") is None
    assert services.authenticate(email="nobody@example.org", password=TEST_PASSWORD) is None
    assert db.session.get(Person, person.id).last_sign_in_at is not None


def test_password_reset_through_a_logged_token(make_delegate, caplog):
    """Without SMTP_HOST, outside production, the mail job writes the reset mail (its link too) to the log."""
    from deliberate.mail import sender

    person = make_delegate()
    old_version = person.session_version
    token = services.request_password_reset(email=person.email)
    with caplog.at_level(logging.WARNING, logger="deliberate.mail.sender"):
        assert sender.deliver_due().sent == 1
    assert f"/reset/{token}" in caplog.text
    with pytest.raises(InvalidInput):
        services.reset_password(token=token, password="short")
    services.reset_password(token=token, password="a brand new password")
    assert services.authenticate(email=person.email, password="a brand new password")
    assert db.session.get(Person, person.id).session_version == old_version + 1
    with pytest.raises(Gone):
        services.reset_password(token=token, password="yet another password")


def test_password_reset_for_unknown_address_reveals_nothing(app):
    assert services.request_password_reset(email="nobody@example.org") is None


def test_session_version_signs_out_old_sessions(make_delegate):
    from deliberate.members import sessions

    person = make_delegate()
    assert services.load_person(person.get_id()) is None  # no sign-in: the id names none
    key = sessions.start_sign_in(person).sign_in_key
    assert services.load_person(person.get_id()).id == person.id
    assert services.load_person(f"{person.id}:{person.session_version + 1}:{key}") is None
    assert services.load_person(f"{person.id}:{person.session_version}") is None  # cookies made before sign-ins
    assert services.load_person("garbage") is None


def test_delegations_are_unique_per_person_and_coop(steward, make_coop, make_delegate):
    coop = make_coop()
    person = make_delegate(coop=coop)
    _inv, token = services.invite_delegate(actor=steward, coop=coop)
    services.accept_invitation(token=token, name="", email="", password="", actor=person)
    count = db.session.scalar(select(func.count(Delegation.id)).where(Delegation.person_id == person.id))
    assert count == 1


def test_find_coop_takes_only_a_plain_id_of_an_existing_coop(make_coop):
    coop = make_coop(name="Kazi Riders")
    assert services.find_coop(str(coop.id)) == coop == services.find_coop(coop.id) == services.find_coop(f" {coop.id} ")
    for value in (None, "", "0", "-1", "²", "١", "2147483648", "9" * 40, "1e3", "abc", str(coop.id + 100)):
        assert services.find_coop(value) is None, value
