"""Discussion services against the database (SQLite, or PostgreSQL with DATABASE_URL)."""
import threading

import pytest
from sqlalchemy import func, select

from deliberate.discussions import queries, services
from deliberate.discussions.models import Comment, CommentEdit, Thread
from deliberate.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from deliberate.extensions import db
from deliberate.members.models import Person
from deliberate.realtime.events import Event


def events(kind=None):
    query = select(Event).order_by(Event.id)
    if kind:
        query = query.where(Event.kind == kind)
    return list(db.session.scalars(query))


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


DELEGATE = object()


@pytest.fixture
def post(network):
    def do(actor=DELEGATE, kind="section", ident=None, body="I support this.", **extra):
        actor = network["delegate"] if actor is DELEGATE else actor
        ident = network["section"].id if ident is None else ident
        return services.post_comment(actor=actor, subject_kind=kind, subject_id=ident, body=body, **extra)
    return do


@pytest.fixture
def draft_amendment(network):
    from deliberate.proposals import services as proposals

    section = network["section"]
    return proposals.propose_amendment(
        actor=network["delegate"], standard=network["standard"], kind="modify", section=section,
        summary="Say who owns it", rationale="", proposed_title=section.title,
        proposed_body="Members and workers own the platform.", target_position=None,
        base_revision_id=section.head_revision_id, name="Ownership", coop=None)


# Posting -----------------------------------------------------------------------------------

def test_a_delegate_posts_on_a_section_and_the_event_is_recorded_with_it(network, post):
    comment = post(body="Members should *own* it.")
    thread = db.session.get(Thread, comment.thread_id)
    assert (thread.subject_kind, thread.subject_id, thread.title) == ("section", network["section"].id, "")
    assert thread.standard_id == network["standard"].id
    assert comment.coop_id == network["member"].id and comment.author_id == network["delegate"].id
    (event,) = events("comment_posted")
    assert comment.posted_event_id == comment.last_event_id == event.id
    assert event.scope == f"standard:{network['standard'].id}" and event.actor_id == network["delegate"].id
    payload = event.payload
    assert payload["comment_id"] == comment.id and payload["thread_id"] == thread.id
    assert (payload["subject_kind"], payload["subject_id"]) == ("section", network["section"].id)
    assert payload["html"] == "<p>Members should <em>own</em> it.</p>\n"
    assert payload["author_name"] == network["delegate"].name and payload["coop_name"] == "Kazi Riders"
    assert payload["parent_id"] is None and payload["hidden"] is False


def test_the_default_thread_is_shared_and_titled_topics_are_separate(network, post):
    first, second = post(body="One"), post(body="Two")
    assert first.thread_id == second.thread_id
    topic = services.start_thread(actor=network["steward"], subject_kind="section", subject_id=network["section"].id,
                                  title="Wording of paragraph 2", body="Let us discuss the wording.")
    assert topic.thread_id != first.thread_id and topic.coop_id is None
    in_topic = post(body="Agreed", thread_id=topic.thread_id)
    assert in_topic.thread_id == topic.thread_id
    assert [e.kind for e in events()][-3:] == ["thread_started", "comment_posted", "comment_posted"]
    with pytest.raises(Conflict):
        services.start_thread(actor=network["steward"], subject_kind="section", subject_id=network["section"].id,
                              title="Wording of paragraph 2", body="Again")
    with pytest.raises(NotFound):  # a topic of another subject
        post(kind="standard", ident=network["standard"].id, thread_id=topic.thread_id)


def test_replies_stay_in_their_parents_thread_and_subject(network, post):
    parent = post(body="Question?")
    reply = post(actor=network["steward"], body="Answer.", parent_id=parent.id)
    assert reply.parent_id == parent.id and reply.thread_id == parent.thread_id
    assert events("comment_posted")[-1].payload["parent_id"] == parent.id
    with pytest.raises(NotFound):
        post(kind="standard", ident=network["standard"].id, parent_id=parent.id)
    with pytest.raises(NotFound):
        post(parent_id=999_999)


def test_a_retry_with_the_same_client_id_returns_the_same_comment(network, post):
    first = post(body="Once only", client_id="c-123e4567-e89b")
    again = post(body="Once only", client_id="c-123e4567-e89b")
    assert again.id == first.id and again.posted_event_id == first.posted_event_id
    assert count(Comment) == 1 and len(events("comment_posted")) == 1
    # Another person may use the same client id: ids are unique per author.
    other = post(actor=network["steward"], body="Mine", client_id="c-123e4567-e89b")
    assert other.id != first.id
    with pytest.raises(Conflict):  # the same id for a comment on something else is a client bug
        post(kind="standard", ident=network["standard"].id, client_id="c-123e4567-e89b")
    with pytest.raises(InvalidInput):
        post(client_id="<script>")


def _together(app, n, work):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def target(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = work(i)
            except Exception as error:  # asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    db.session.rollback()
    return results, errors


def test_simultaneous_deliveries_of_one_post_make_one_comment(app, network):
    delegate_id, section_id = network["delegate"].id, network["section"].id

    def work(_i):
        actor = db.session.get(Person, delegate_id)
        return services.post_comment(actor=actor, subject_kind="section", subject_id=section_id,
                                     body="Sent twice by a flaky network", client_id="c-same").id

    results, errors = _together(app, 8, work)
    assert errors == []
    assert len(set(results)) == 1
    assert count(Comment) == 1 and len(events("comment_posted")) == 1


def test_simultaneous_first_comments_share_one_default_thread(app, network):
    delegate_id, section_id = network["delegate"].id, network["section"].id

    def work(i):
        actor = db.session.get(Person, delegate_id)
        return services.post_comment(actor=actor, subject_kind="section", subject_id=section_id,
                                     body=f"First {i}", client_id=f"c-{i}").thread_id

    results, errors = _together(app, 8, work)
    assert errors == []
    assert len(set(results)) == 1 and count(Thread) == 1 and count(Comment) == 8


# Who may take part ------------------------------------------------------------------------

@pytest.mark.parametrize("role, outcome", [
    ("observer", PermissionDenied),
    ("suspended_delegate", PermissionDenied),
    ("applicant_delegate", PermissionDenied),
    ("delegate", None),
    ("steward", None),
])
def test_who_may_comment(network, make_delegate, post, role, outcome):
    if role == "observer":
        actor = None
    elif role == "applicant_delegate":
        actor = make_delegate(coop=network["applicant"])
    else:
        actor = network[role]
    if outcome is None:
        comment = post(actor=actor)
        assert comment.id
    else:
        with pytest.raises(outcome):
            post(actor=actor)
        assert count(Comment) == 0 and events("comment_posted") == []


def test_a_delegate_of_several_coops_says_which_one_they_speak_for(network, make_coop, post):
    from deliberate.members import services as members

    delegate, second = network["delegate"], make_coop(name="Second Co-op")
    _invitation, token = members.invite_delegate(actor=network["steward"], coop=second, email=delegate.email)
    members.accept_invitation(token=token, name=delegate.name, email=delegate.email,
                              password="a long test password", actor=delegate)
    db.session.refresh(delegate)
    assert len(delegate.acting_coops) == 2
    with pytest.raises(InvalidInput):
        post(actor=delegate)
    assert post(actor=delegate, coop=second).coop_id == second.id
    with pytest.raises(PermissionDenied):
        post(actor=delegate, coop=network["suspended"])


def test_unknown_subjects_are_not_found(network, post):
    with pytest.raises(NotFound):
        post(kind="section", ident=999_999)
    with pytest.raises(NotFound):
        post(kind="ballot", ident=1)
    with pytest.raises(NotFound):  # no vote with this id (or no votes at all yet)
        post(kind="vote", ident=999_999)


@pytest.mark.parametrize("body, quote, field", [
    ("", None, "body"),
    ("   \n\n ", None, "body"),
    ("x" * 10_001, None, "body"),
    ("Fine", "q" * 1_001, "quote"),
])
def test_what_is_written_is_checked(post, body, quote, field):
    with pytest.raises(InvalidInput) as refused:
        post(body=body, quote=quote)
    assert field in refused.value.field_errors


def test_a_comment_may_be_exactly_ten_thousand_characters(post):
    assert len(post(body="y" * 10_000).body) == 10_000


# Quotes and anchors ----------------------------------------------------------------------

def test_a_quote_is_anchored_at_a_known_revision_with_offsets_computed_by_the_server(network, post):
    section = network["standard"].sections[1]  # "Members own their data.\n\nThey can download it."
    comment = post(ident=section.id, body="Which format?", quote="They can  download it.",
                   anchor={"section_key": "forged", "revision_id": section.head_revision_id, "paragraph": 2,
                           "start": 0, "end": 3, "evil": "<x>"})
    assert comment.quote == "They can download it."
    start = section.body.index("They can download it.")
    # The client's key and offsets are replaced by what the server finds at that revision.
    assert comment.anchor == {"section_key": section.key, "revision_id": section.head_revision_id, "paragraph": 2,
                              "start": start, "end": start + len("They can download it.")}
    elsewhere = post(ident=section.id, body="Hm", quote="Words not in the text",
                     anchor={"revision_id": section.head_revision_id, "paragraph": 1})
    assert elsewhere.anchor == {"section_key": section.key, "revision_id": section.head_revision_id, "paragraph": 1}


def test_an_anchor_must_point_into_the_discussed_text(network, post, draft_amendment):
    other_section = network["standard"].sections[1]
    with pytest.raises(InvalidInput):
        post(quote="Members", anchor={"revision_id": other_section.head_revision_id})
    with pytest.raises(InvalidInput):
        post(quote="Members", anchor={"revision_id": "many"})
    with pytest.raises(InvalidInput):
        post(quote="Members", anchor=["not", "a", "dict"])
    on_standard = post(kind="standard", ident=network["standard"].id, quote="Members own their data.",
                       anchor={"section_key": other_section.key, "paragraph": 1})
    assert on_standard.anchor["revision_id"] == other_section.head_revision_id
    on_amendment = post(kind="amendment", ident=draft_amendment.id, quote="workers",
                        anchor={"draft_id": draft_amendment.head_draft_id})
    assert on_amendment.anchor["draft_id"] == draft_amendment.head_draft_id and "start" in on_amendment.anchor


# Editing ---------------------------------------------------------------------------------

def test_the_author_edits_and_the_history_is_kept(network, post):
    comment = post(body="First wording")
    edited = services.edit_comment(actor=network["delegate"], comment_id=comment.id, body="Second wording")
    assert edited.body == "Second wording" and edited.edited_at is not None
    services.edit_comment(actor=network["delegate"], comment_id=comment.id, body="Third wording")
    history = list(db.session.scalars(select(CommentEdit).where(CommentEdit.comment_id == comment.id)
                                      .order_by(CommentEdit.id)))
    assert [h.body for h in history] == ["First wording", "Second wording"]
    edits = events("comment_edited")
    assert [e.payload["html"] for e in edits] == ["<p>Second wording</p>\n", "<p>Third wording</p>\n"]
    assert edited.last_event_id == edits[-1].id and edited.posted_event_id != edits[-1].id
    # Saving the same words again changes nothing.
    services.edit_comment(actor=network["delegate"], comment_id=comment.id, body="Third wording")
    assert len(events("comment_edited")) == 2 and count(CommentEdit) == 2
    page = queries.comment_page(comment.id, None)
    assert [h.body for h in page.history] == ["Second wording", "First wording"]


@pytest.mark.parametrize("role", ["steward", "suspended_delegate", "observer"])
def test_only_the_author_edits(network, post, role):
    comment = post()
    with pytest.raises(PermissionDenied):
        services.edit_comment(actor=None if role == "observer" else network[role], comment_id=comment.id,
                              body="Mine now")
    assert count(CommentEdit) == 0


def test_editing_a_missing_comment_is_not_found(network):
    with pytest.raises(NotFound):
        services.edit_comment(actor=network["delegate"], comment_id=424242, body="x")


# Moderation ------------------------------------------------------------------------------

def test_a_steward_hides_with_a_public_reason_and_nothing_is_deleted(network, post):
    comment = post(body="Something unkind", quote="Members own")
    with pytest.raises(InvalidInput):
        services.hide_comment(actor=network["steward"], comment_id=comment.id, reason="  ")
    hidden = services.hide_comment(actor=network["steward"], comment_id=comment.id, reason="Personal attack")
    assert hidden.is_hidden and hidden.hidden_by_id == network["steward"].id and hidden.body == "Something unkind"
    (event,) = events("comment_hidden")
    assert event.payload["html"] == '<p class="hidden-notice">Hidden by a steward: Personal attack</p>'
    assert "unkind" not in str(event.payload) and event.payload["quote"] is None
    with pytest.raises(Conflict):
        services.hide_comment(actor=network["steward"], comment_id=comment.id, reason="Again")
    with pytest.raises(PermissionDenied):  # the author cannot edit around a steward's decision
        services.edit_comment(actor=network["delegate"], comment_id=comment.id, body="Something kind")
    # Everyone sees the reason; the author and stewards can still read the words.
    observer_view = queries.thread_view("section", network["section"].id, None).threads[0].comments[0]
    assert observer_view.hidden and observer_view.hidden_body is None and observer_view.quote is None
    assert str(observer_view.html) == event.payload["html"]
    author_view = queries.thread_view("section", network["section"].id, network["delegate"]).threads[0].comments[0]
    assert "unkind" in str(author_view.hidden_body)
    shown = services.unhide_comment(actor=network["steward"], comment_id=comment.id)
    assert not shown.is_hidden and shown.hidden_reason is None
    assert events("comment_unhidden")[0].payload["html"] == "<p>Something unkind</p>\n"
    with pytest.raises(Conflict):
        services.unhide_comment(actor=network["steward"], comment_id=comment.id)


@pytest.mark.parametrize("role", ["delegate", "suspended_delegate", "observer"])
def test_only_stewards_hide_and_unhide(network, post, role):
    comment = post()
    actor = None if role == "observer" else network[role]
    with pytest.raises(PermissionDenied):
        services.hide_comment(actor=actor, comment_id=comment.id, reason="Because")
    services.hide_comment(actor=network["steward"], comment_id=comment.id, reason="Off topic")
    with pytest.raises(PermissionDenied):
        services.unhide_comment(actor=actor, comment_id=comment.id)


def test_replaying_a_comment_hidden_since_shows_only_the_reason(network, post):
    comment = post(body="Regrettable words")
    posted = events("comment_posted")[0].to_message()
    services.hide_comment(actor=network["steward"], comment_id=comment.id, reason="Spam")
    redacted = queries.redact_for(None, posted)
    assert "Regrettable" not in redacted["html"] and "Spam" in redacted["html"] and redacted["hidden"] is True
    assert queries.redact_for(network["steward"], posted)["html"] == posted["html"]
    assert queries.redact_for(network["delegate"], posted)["html"] == posted["html"]


# Private drafts --------------------------------------------------------------------------

def test_a_draft_amendments_thread_is_private_to_its_authors_and_stewards(network, make_delegate, post,
                                                                          draft_amendment):
    outsider = make_delegate(coop=network["member"])
    comment = post(kind="amendment", ident=draft_amendment.id, body="Draft note")
    assert events("comment_posted")[-1].scope == f"amendment:{draft_amendment.id}"
    assert post(actor=network["steward"], kind="amendment", ident=draft_amendment.id).id
    with pytest.raises(NotFound):
        post(actor=outsider, kind="amendment", ident=draft_amendment.id)
    with pytest.raises(NotFound):
        post(actor=None, kind="amendment", ident=draft_amendment.id)
    with pytest.raises(NotFound):
        queries.thread_view("amendment", draft_amendment.id, outsider)
    with pytest.raises(NotFound):
        queries.comment_page(comment.id, outsider)
    with pytest.raises(NotFound):
        services.edit_comment(actor=outsider, comment_id=comment.id, body="x")
    assert queries.thread_view("amendment", draft_amendment.id, network["delegate"]).count == 2


def test_once_opened_an_amendments_thread_is_public(network, make_delegate, post, draft_amendment):
    from deliberate.proposals import services as proposals

    proposals.open_amendment(actor=network["delegate"], amendment=draft_amendment)
    outsider = make_delegate(coop=network["member"])
    assert post(actor=outsider, kind="amendment", ident=draft_amendment.id).id
    assert queries.thread_view("amendment", draft_amendment.id, None).count == 1


# Votes, through the generic subject ------------------------------------------------------

def test_threads_on_votes_go_to_the_vote_room_and_follow_who_may_join_it(network, post, monkeypatch):
    from deliberate.discussions import subjects
    from deliberate.realtime import rooms

    standard_id = network["standard"].id
    vote = subjects.Subject("vote", 7, standard_id, "vote:7", "Ratify 1.0")
    monkeypatch.setitem(subjects._KINDS, "vote", subjects.SubjectKind(
        lambda ident: vote if ident == 7 else None, subjects.readable_by_room))
    monkeypatch.setitem(rooms._READERS, "vote", (True, lambda person, ident: person is not None and person.is_steward))
    with pytest.raises(NotFound):  # the stand-in room reader lets only stewards in
        post(kind="vote", ident=7)
    comment = post(actor=network["steward"], kind="vote", ident=7, body="Turnout is low")
    thread = db.session.get(Thread, comment.thread_id)
    assert (thread.subject_kind, thread.subject_id, thread.standard_id) == ("vote", 7, standard_id)
    assert events("comment_posted")[-1].scope == "vote:7"
