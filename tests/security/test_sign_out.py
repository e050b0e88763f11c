"""Signing out ends the session on the server: a copy of the cookies taken before signing out (the
session cookie, or the "keep me signed in" one alone) no longer signs anyone in. Flask's session is
a signed cookie the browser keeps, so before sign-ins were rows (members/sessions.py) a copied
cookie went on working after sign-out."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from deliberate.extensions import db
from deliberate.members.models import SignIn
from tests.conftest import TEST_PASSWORD

DOMAIN = "localhost.test"


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _copy(source, target, *names: str):
    """Copy cookies from one test client (browser) to another, as a thief would."""
    for name in names:
        cookie = source.get_cookie(name, domain=DOMAIN)
        assert cookie is not None, name
        target.set_cookie(name, cookie.value, domain=DOMAIN)
    return target


def _sign_in(client, remember: bool = False):
    data = {"email": "delegate@example.org", "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/signin", data=data).status_code == 302
    return client


def test_a_copied_session_cookie_stops_working_when_its_owner_signs_out(app, network):
    owner = _sign_in(app.test_client())
    thief = _copy(owner, app.test_client(), "session")
    assert _signed_in(thief)  # the copy works while the sign-in lasts
    assert owner.post("/signout").status_code == 302
    assert not _signed_in(owner)
    assert not _signed_in(thief)


def test_a_copied_keep_me_signed_in_cookie_stops_working_too(app, network):
    owner = _sign_in(app.test_client(), remember=True)
    thief = _copy(owner, app.test_client(), "remember_token")
    assert _signed_in(thief)  # back in through the remember cookie alone
    thief_later = _copy(owner, app.test_client(), "remember_token")
    owner.post("/signout")
    assert not _signed_in(thief_later)
    # Even the thief's own session, made from the remember cookie before the sign-out, ends.
    assert not _signed_in(thief)


def test_signing_out_on_one_device_keeps_the_others(app, network):
    laptop, phone = _sign_in(app.test_client()), _sign_in(app.test_client())
    laptop.post("/signout")
    assert not _signed_in(laptop) and _signed_in(phone)


def test_signing_out_everywhere_ends_every_copy(app, network):
    laptop = _sign_in(app.test_client(), remember=True)
    copies = [_copy(laptop, app.test_client(), "session"), _copy(laptop, app.test_client(), "remember_token")]
    phone = _sign_in(app.test_client())
    phone.post("/account/sign-out-everywhere")
    assert not any(_signed_in(client) for client in (laptop, phone, *copies))
    assert db.session.scalar(select(func.count(SignIn.id))) == 0


def test_a_sign_in_is_a_row_holding_only_a_hash_of_its_key(app, network):
    owner = _sign_in(app.test_client())
    with owner.session_transaction() as session:
        person_id, version, key = session["_user_id"].split(":")
    row = db.session.scalars(select(SignIn)).one()
    assert row.person_id == int(person_id) == network["delegate"].id and len(key) >= 40
    assert key not in row.key_hash and len(row.key_hash) == 64
    owner.post("/signout")
    assert db.session.scalar(select(func.count(SignIn.id))) == 0


@pytest.mark.parametrize("forged", ["{id}:{version}", "{id}:{version}:", "{id}:{version}:not-a-key",
                                    "{id}:{version}:{key}x", "{other}:{version}:{key}", "{id}:{version}:{key}:more"])
def test_a_session_naming_no_live_sign_in_signs_nobody_in(app, network, make_delegate, forged):
    """Cookies from before sign-ins were rows (``id:version``), and any other id, load nobody
    (setting the session needs the secret key: this is what a signed cookie could still say)."""
    owner = _sign_in(app.test_client())
    other = make_delegate(coop=network["member"], email="other.person@example.org")
    with owner.session_transaction() as session:
        person_id, version, key = session["_user_id"].split(":")
        session["_user_id"] = forged.format(id=person_id, version=version, key=key, other=other.id)
    assert not _signed_in(owner)


def test_a_sign_in_ends_after_the_longest_cookie_lifetime(app, network):
    owner = _sign_in(app.test_client(), remember=True)
    lifetime = max(app.config["PERMANENT_SESSION_LIFETIME"], app.config["REMEMBER_COOKIE_DURATION"])
    started = db.session.scalars(select(SignIn.created_at)).one()
    for age, signed_in in ((lifetime - timedelta(minutes=1), True), (lifetime + timedelta(minutes=1), False)):
        db.session.execute(update(SignIn).values(created_at=started - age))
        db.session.commit()
        assert _signed_in(owner) is signed_in, age
    # The next sign-in (anyone's) clears the expired row away.
    _sign_in(app.test_client())
    assert db.session.scalar(select(func.count(SignIn.id))) == 1


def test_erasure_removes_the_persons_sign_ins(app, network, make_delegate):
    from deliberate.members import erasure

    person = make_delegate(coop=network["member"], email="leaving@example.org")
    browser = app.test_client()
    assert browser.post("/signin", data={"email": "leaving@example.org", "password": TEST_PASSWORD}).status_code == 302
    erasure.erase_self(actor=person, password=TEST_PASSWORD, comments="anonymise")
    assert db.session.scalar(select(func.count(SignIn.id)).where(SignIn.person_id == person.id)) == 0
    assert not _signed_in(browser)
