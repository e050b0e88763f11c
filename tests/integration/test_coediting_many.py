"""Many editors on one section at once (issue 19): every tab converges on the same text, nothing
typed is lost, each message is applied as if alone, and the batches leave no connection behind.
Runs on SQLite and PostgreSQL (DATABASE_URL)."""
from __future__ import annotations

import random
import re
import threading

from sqlalchemy import select

from deliberate.coediting import services
from deliberate.coediting.models import SharedDraft
from deliberate.extensions import db
from deliberate.members.models import Person
from deliberate.realtime.sync import ClientSession
from tests.sql_statements import recorded_statements

TEXT = "Members own the platform.\n\nEach member holds one share."
TABS = 40
ROUNDS = 4


def _type_word(text: str, word: str, rng: random.Random) -> str:
    spaces = [i for i, c in enumerate(text) if c == " "] or [len(text)]
    at = rng.choice(spaces)
    return text[:at] + " " + word + text[at:]


def test_forty_tabs_typing_at_once_converge_and_lose_nothing(app, make_standard, make_delegate, make_coop):
    doc = f"section:{make_standard(sections=[('Member ownership', TEXT)]).sections[0].id}"
    people = [make_delegate(coop=make_coop(name=f"Co-op {i}"), name=f"Editor {i}") for i in range(4)]
    person_ids = [p.id for p in people]
    tabs = {}
    for i in range(TABS):
        client_id = f"many-tab-{i:04d}"
        _document, _draft, result = services.join(actor=people[i % 4], doc_key=doc, client_id=client_id)
        tabs[client_id] = (person_ids[i % 4], ClientSession.start(result["text"]))
    db.session.rollback()
    batches_before = services._SYNCS.batches
    checked_out = db.engine.pool.checkedout()
    barrier = threading.Barrier(TABS)
    errors, typed = [], []

    def editor(index: int, client_id: str, person_id: int, client: ClientSession) -> None:
        rng = random.Random(index)
        with app.app_context():
            try:
                person = db.session.get(Person, person_id)
                db.session.rollback()  # no pooled connection held while waiting for the others
                barrier.wait(timeout=60)
                for n in range(ROUNDS):
                    word = f"w{index}x{n}"
                    typed.append(word)
                    text = _type_word(client.text, word, rng)
                    _d, reply, _changed, _version = services.sync(actor=person, doc_key=doc, client_id=client_id,
                                                                  message=client.make_message(text))
                    client.receive(reply)
            except Exception as error:  # asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=editor, args=(i, cid, pid, client))
               for i, (cid, (pid, client)) in enumerate(tabs.items())]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    # Everyone pulls what the others typed: two quiet round trips each.
    for client_id, (person_id, client) in tabs.items():
        for _ in range(2):
            _d, reply, _c, _v = services.sync(actor=db.session.get(Person, person_id), doc_key=doc,
                                              client_id=client_id, message=client.make_message(client.text))
            client.receive(reply)
    db.session.rollback()
    final = db.session.scalar(select(SharedDraft.text))
    assert all(client.text == final for _pid, client in tabs.values())
    words = re.findall(r"w\d+x\d+", final)
    assert sorted(words) == sorted(typed)  # every word once: none lost, none doubled
    # Messages that arrived together were applied together (fewer commits than messages) ...
    assert services._SYNCS.batches - batches_before < TABS * ROUNDS + 2 * TABS
    # ... and no thread left a pooled connection checked out.
    db.session.rollback()
    assert db.engine.pool.checkedout() <= checked_out


def test_a_batch_reads_its_senders_in_one_query_whatever_their_number(app, make_standard, make_delegate, make_coop):
    """Who may edit is checked once per sender and batch: two statements for all of them (people,
    then their delegations), not two per sender; and the section without its page's relations."""
    from deliberate.coediting.batching import Job

    doc = f"section:{make_standard(sections=[('Member ownership', TEXT)]).sections[0].id}"
    people = [make_delegate(coop=make_coop(name=f"Co-op {i}"), name=f"Editor {i}") for i in range(6)]
    clients = []
    for i, person in enumerate(people):
        _document, _draft, result = services.join(actor=person, doc_key=doc, client_id=f"count-tab-{i:04d}")
        clients.append((person.id, f"count-tab-{i:04d}", ClientSession.start(result["text"])))
    db.session.rollback()

    def statements(senders: int) -> list[str]:
        jobs = [Job(services._Sync(person_id=pid, coop_id=None, client_id=cid, message=client.make_message(client.text)))
                for pid, cid, client in clients[:senders]]
        with recorded_statements() as seen:
            services._apply_batch(services.parse_document(doc), jobs)
        for (_pid, _cid, client), job in zip(clients[:senders], jobs, strict=True):
            assert job.payload.refusal is None
            client.receive(job.payload.reply)
        db.session.rollback()
        return seen

    one, six = statements(1), statements(6)
    people_reads = [s for s in six if s.lstrip().upper().startswith("SELECT") and "FROM people" in s]
    assert len(people_reads) == 1, people_reads
    assert len(six) - len(one) <= 1  # the sessions' rows are written in one executemany either way
    assert not any("FROM revisions" in s for s in six)  # the section's head and credits are not loaded
