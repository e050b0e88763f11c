"""Co-editing through the services: shared text, durable server shadows, attributed saves."""
import threading

import pytest
from sqlalchemy import select

from deliberate.coediting import services
from deliberate.coediting.models import SharedDraft, SyncSession
from deliberate.errors import Conflict, InvalidInput, PermissionDenied
from deliberate.extensions import db
from deliberate.members.models import Person
from deliberate.realtime.sync import ClientSession
from deliberate.standards.models import Revision, Section

TEXT = "Members own the platform.\n\nEach member holds one share."


@pytest.fixture
def doc(make_standard):
    standard = make_standard(sections=[("Member ownership", TEXT)])
    return f"section:{standard.sections[0].id}"


@pytest.fixture
def alice(make_delegate, make_coop):
    return make_delegate(coop=make_coop(name="Kazi Riders"), name="Alice")


@pytest.fixture
def bob(make_delegate, make_coop):
    return make_delegate(coop=make_coop(name="Dades Comunes"), name="Bob")


def tab(person, doc, client_id):
    _document, _draft, result = services.join(actor=person, doc_key=doc, client_id=client_id)
    return ClientSession.start(result["text"])


def round_trip(person, doc, client_id, client, text):
    _document, reply, _changed, _version = services.sync(actor=person, doc_key=doc, client_id=client_id,
                                                         message=client.make_message(text))
    return client.receive(reply)


def test_two_people_edit_at_once_and_both_edits_survive(doc, alice, bob):
    a, b = tab(alice, doc, "alice-tab-1"), tab(bob, doc, "bob-tab-01")
    text_a = TEXT.replace("own the platform", "own and run the platform")
    text_b = TEXT.replace("one share", "one equal share")
    text_a = round_trip(alice, doc, "alice-tab-1", a, text_a)
    text_b = round_trip(bob, doc, "bob-tab-01", b, text_b)
    text_a = round_trip(alice, doc, "alice-tab-1", a, text_a)
    expected = "Members own and run the platform.\n\nEach member holds one equal share."
    assert text_a == text_b == expected
    assert db.session.scalar(select(SharedDraft.text)) == expected


def test_saving_credits_everyone_who_typed(doc, alice, bob):
    a, b = tab(alice, doc, "alice-tab-1"), tab(bob, doc, "bob-tab-01")
    round_trip(alice, doc, "alice-tab-1", a, TEXT.replace("own", "jointly own"))
    round_trip(bob, doc, "bob-tab-01", b, TEXT.replace("one share", "one equal share"))
    revision = services.save(actor=alice, doc_key=doc, message="Written together")
    revision = db.session.get(Revision, revision.id)
    assert revision.author_id == alice.id and revision.coop.name == "Kazi Riders"
    assert [(c.person.name, c.coop.name) for c in revision.credits] == [("Bob", "Dades Comunes")]
    assert revision.body == "Members jointly own the platform.\n\nEach member holds one equal share."
    assert db.session.scalar(select(SharedDraft.contributors)) == {}
    # Editing goes on from the saved revision.
    round_trip(bob, doc, "bob-tab-01", b, b.text + "\n\nA third paragraph.")
    second = services.save(actor=bob, doc_key=doc, message="More")
    assert second.number == 3


def test_an_edit_is_credited_only_to_a_coop_its_author_is_a_delegate_of(doc, alice, bob):
    """A client names the co-op its person acts for; naming someone else's co-op is refused and
    changes neither the text nor the credits."""
    from deliberate.members.models import Cooperative

    bobs_coop = db.session.scalar(select(Cooperative).where(Cooperative.name == "Dades Comunes"))
    a = tab(alice, doc, "alice-tab-1")
    with pytest.raises(PermissionDenied):
        services.sync(actor=alice, doc_key=doc, client_id="alice-tab-1", coop=bobs_coop,
                      message=a.make_message(TEXT.replace("own", "jointly own")))
    draft = db.session.scalar(select(SharedDraft))
    assert draft.text == TEXT and draft.contributors == {}
    b = tab(bob, doc, "bob-tab-01")
    round_trip(bob, doc, "bob-tab-01", b, TEXT + "\n\nA third paragraph.")
    services.sync(actor=bob, doc_key=doc, client_id="bob-tab-01", coop=bobs_coop, message=b.make_message(b.text))
    assert db.session.scalar(select(SharedDraft.contributors)) == {str(bob.id): bobs_coop.id}


def test_a_reconnect_or_another_process_continues_from_the_stored_shadows(doc, alice):
    alice_id = alice.id
    a = tab(alice, doc, "alice-tab-1")
    message = a.make_message(TEXT + " One.")
    services.sync(actor=alice, doc_key=doc, client_id="alice-tab-1", message=message)  # the reply is lost
    db.session.remove()  # nothing is kept in memory on the server side
    services.join(actor=db.session.get(Person, alice_id), doc_key=doc, client_id="alice-tab-1", resume=True)
    text = round_trip(db.session.get(Person, alice_id), doc, "alice-tab-1", a, a.text + " Two.")
    assert text == TEXT + " One. Two." == db.session.scalar(select(SharedDraft.text))


def test_the_same_message_twice_changes_nothing(doc, alice):
    a = tab(alice, doc, "alice-tab-1")
    message = a.make_message(TEXT + " Once.")
    for _ in range(3):
        services.sync(actor=alice, doc_key=doc, client_id="alice-tab-1", message=message)
    assert db.session.scalar(select(SharedDraft.text)) == TEXT + " Once."


def test_concurrent_syncs_from_many_tabs_lose_nothing(app, doc, alice):
    tabs = {f"tab-{i:04d}": tab(alice, doc, f"tab-{i:04d}") for i in range(8)}
    alice_id = alice.id
    errors = []
    barrier = threading.Barrier(len(tabs))

    def type_in(client_id, client):
        with app.app_context():
            try:
                person = db.session.get(Person, alice_id)
                barrier.wait(timeout=30)
                round_trip(person, doc, client_id, client, client.text + f" {client_id}")
            except Exception as error:  # asserted below
                errors.append(error)

    threads = [threading.Thread(target=type_in, args=item) for item in tabs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.session.rollback()
    assert errors == []
    final = db.session.scalar(select(SharedDraft.text))
    for client_id in tabs:
        assert final.count(client_id) == 1


def test_who_may_coedit(doc, alice, steward, make_coop, make_delegate):
    from deliberate.members.services import change_coop_status

    with pytest.raises(PermissionDenied):
        services.join(actor=None, doc_key=doc, client_id="observer-1")
    suspended = make_coop(name="Quiet")
    carol = make_delegate(coop=suspended)
    change_coop_status(actor=steward, coop=suspended, status="suspended")
    db.session.expire_all()
    with pytest.raises(PermissionDenied):
        services.join(actor=db.session.get(Person, carol.id), doc_key=doc, client_id="carol-tab1")
    services.join(actor=steward, doc_key=doc, client_id="steward-tab")


def test_someone_elses_client_id_is_refused(doc, alice, bob):
    tab(alice, doc, "alice-tab-1")
    with pytest.raises(PermissionDenied):
        services.join(actor=bob, doc_key=doc, client_id="alice-tab-1")
    with pytest.raises(Conflict):
        services.sync(actor=bob, doc_key=doc, client_id="alice-tab-1", message={"ack_m": 0, "edits": []})


@pytest.mark.parametrize("doc_key, client_id", [("section:x", "good-client"), ("page:1", "good-client"),
                                                 ("section:1", "short"), ("section:1", "bad id with spaces")])
def test_malformed_requests(doc, alice, doc_key, client_id):
    with pytest.raises(InvalidInput):
        services.join(actor=alice, doc_key=doc_key, client_id=client_id)


@pytest.mark.parametrize("message", [{"edits": "no"}, {"ack_m": -1, "edits": []},
                                     {"ack_m": 0, "edits": [{"n": 0, "m": 0, "patch": 5, "checksum": "x"}]}])
def test_malformed_messages_change_nothing(doc, alice, message):
    tab(alice, doc, "alice-tab-1")
    with pytest.raises(InvalidInput):
        services.sync(actor=alice, doc_key=doc, client_id="alice-tab-1", message=message)
    assert db.session.scalar(select(SharedDraft.text)) == TEXT
    assert db.session.scalar(select(SyncSession.state))["shadow_text"] == TEXT


def test_a_save_elsewhere_is_followed_when_nothing_is_pending(doc, alice, steward):
    from deliberate.standards.services import revise_section

    tab(alice, doc, "alice-tab-1")
    section = db.session.get(Section, int(doc.split(":")[1]))
    revise_section(actor=steward, section=section, title=section.title, body="Rewritten by the form.", message="M",
                   base_revision_id=section.head_revision_id)
    _document, _draft, result = services.join(actor=alice, doc_key=doc, client_id="alice-tab-2")
    assert result["text"] == "Rewritten by the form."


def test_a_sync_its_sender_stopped_waiting_for_is_dropped_and_its_edit_comes_with_the_next(doc, alice):
    """A message still queued after its sender's patience ran out is not applied (the page sends
    its edits again with the next message): a lost message, which the protocol recovers from."""
    import time

    a = tab(alice, doc, "alice-tab-1")
    late = a.make_message(TEXT + " Late.")
    with pytest.raises(Conflict):
        services.sync_as(person_id=alice.id, doc_key=doc, client_id="alice-tab-1", message=late,
                         deadline=time.monotonic() - 1)
    db.session.rollback()
    assert db.session.scalar(select(SharedDraft.text)) == TEXT
    _ref, reply, changed, _version = services.sync_as(person_id=alice.id, doc_key=doc, client_id="alice-tab-1",
                                                      message=a.make_message(a.text),
                                                      deadline=time.monotonic() + 60)
    assert changed and a.receive(reply) == TEXT + " Late."
    db.session.rollback()
    assert db.session.scalar(select(SharedDraft.text)) == TEXT + " Late."
