"""Discussions through HTTP: the thread under each page, the forms without JavaScript, roles × routes."""
import re

import pytest
from sqlalchemy import func, select

from deliberate.discussions import services
from deliberate.discussions.models import Comment, CommentEdit
from deliberate.extensions import db
from deliberate.proposals import services as proposals
from tests.sql_statements import recorded_statements

ROLES = ("observer", "delegate", "suspended_delegate", "steward")


@pytest.fixture
def draft(network):
    s = network["section"]
    return proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                       section=s, summary="Say it plainly.", proposed_title=s.title,
                                       proposed_body="Members own and run the platform.")


@pytest.fixture
def comment(network):
    return services.post_comment(actor=network["delegate"], subject_kind="section", subject_id=network["section"].id,
                                 body="A first thought.")


@pytest.fixture
def draft_comment(network, draft):
    return services.post_comment(actor=network["delegate"], subject_kind="amendment", subject_id=draft.id,
                                 body="Note to my co-authors.")


def comments_count():
    return db.session.scalar(select(func.count(Comment.id)))


# (method, path template, form data, {role: status}); 302 for observers means "sent to sign in".
TABLE = [
    ("GET", "/discussions/section/{sec}", {}, (200, 200, 200, 200)),
    ("GET", "/discussions/standard/{std_id}", {}, (200, 200, 200, 200)),
    ("GET", "/discussions/amendment/{draft}", {}, (404, 200, 404, 200)),
    ("GET", "/discussions/section/999999", {}, (404, 404, 404, 404)),
    ("GET", "/discussions/ballot/1", {}, (404, 404, 404, 404)),
    ("POST", "/discussions/section/{sec}/comments", {"body": "Hello"}, (302, 302, 403, 302)),
    ("POST", "/discussions/section/{sec}/comments", {}, (302, 422, 403, 422)),
    ("POST", "/discussions/section/999999/comments", {"body": "Hello"}, (302, 404, 404, 404)),
    ("POST", "/discussions/amendment/{draft}/comments", {"body": "Hello"}, (302, 302, 404, 302)),
    ("POST", "/discussions/section/{sec}/threads", {"title": "Wording", "body": "Hello"}, (302, 302, 403, 302)),
    ("POST", "/discussions/section/{sec}/threads", {"body": "No title"}, (302, 422, 403, 422)),
    ("GET", "/discussions/comments/{c}", {}, (302, 302, 302, 302)),
    ("GET", "/discussions/comments/{dc}", {}, (404, 302, 404, 302)),
    ("GET", "/discussions/comments/999999", {}, (404, 404, 404, 404)),
    ("GET", "/discussions/comments/{c}/reply", {}, (302, 200, 403, 200)),
    ("GET", "/discussions/comments/{c}/edit", {}, (302, 200, 403, 403)),
    ("POST", "/discussions/comments/{c}/edit", {"body": "Better put."}, (302, 302, 403, 403)),
    ("POST", "/discussions/comments/{c}/edit", {"body": ""}, (302, 422, 403, 403)),
    ("GET", "/discussions/comments/{dc}/edit", {}, (302, 200, 404, 403)),
    ("GET", "/discussions/comments/{c}/hide", {}, (302, 403, 403, 200)),
    ("POST", "/discussions/comments/{c}/hide", {"reason": "Off topic"}, (302, 403, 403, 302)),
    ("POST", "/discussions/comments/{c}/hide", {"reason": ""}, (302, 403, 403, 422)),
    ("POST", "/discussions/comments/{c}/unhide", {}, (302, 403, 403, 302)),
    ("GET", "/discussions/comments/{c}/history", {}, (200, 200, 200, 200)),
    ("GET", "/discussions/comments/{dc}/history", {}, (404, 200, 404, 200)),
]


# A table of who may do what (statuses decided before any write): once, on SQLite.
@pytest.mark.db_independent
@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)), ids=ROLES)
@pytest.mark.parametrize("method, template, data, expected", TABLE,
                         ids=[f"{m} {t} {sorted(d)}" for m, t, d, _ in TABLE])
def test_route_role_status(as_role, network, comment, draft, draft_comment, role_index, role, method, template,
                           data, expected):
    path = template.format(sec=network["section"].id, std_id=network["standard"].id, draft=draft.id, c=comment.id,
                           dc=draft_comment.id)
    response = as_role(role).open(path, method=method, data=data)
    assert response.status_code == expected[role_index], (role, method, path, response.get_data(as_text=True)[:300])
    if expected[role_index] == 302 and role == "observer" and not path.endswith(f"/comments/{comment.id}"):
        assert "/signin" in response.headers["Location"]


# The thread under each page ----------------------------------------------------------------

def section_url(network):
    return f"/standards/{network['standard'].slug}/s/{network['section'].key}"


@pytest.mark.parametrize("role, expect", [
    ("observer", "Sign in</a> to take part"),
    ("suspended_delegate", "Only delegates of member co-ops and stewards can comment."),
    ("delegate", 'id="comment-form"'),
    ("steward", 'id="comment-form"'),
])
def test_each_role_sees_the_thread_and_what_it_may_do(as_role, network, comment, role, expect):
    html = as_role(role).get(section_url(network)).get_data(as_text=True)
    assert "A first thought." in html and 'id="discussion"' in html
    assert expect in html
    assert (f'/discussions/comments/{comment.id}/edit"' in html) is (role == "delegate")
    assert (f'/discussions/comments/{comment.id}/hide"' in html) is (role == "steward")
    assert (f'/discussions/comments/{comment.id}/reply"' in html) is (role in ("delegate", "steward"))


def test_the_standard_and_amendment_pages_carry_their_own_threads(as_role, network, draft, draft_comment):
    services.post_comment(actor=network["steward"], subject_kind="standard", subject_id=network["standard"].id,
                          body="On the whole standard.")
    delegate = as_role("delegate")
    standard_page = delegate.get(f"/standards/{network['standard'].slug}").get_data(as_text=True)
    assert "On the whole standard." in standard_page and 'data-subject-kind="standard"' in standard_page
    amendment_page = delegate.get(f"/standards/{network['standard'].slug}/amendments/{draft.id}").get_data(as_text=True)
    assert "Note to my co-authors." in amendment_page
    assert f'data-live-room="amendment:{draft.id}"' in amendment_page
    assert "On the whole standard." not in amendment_page


def test_posting_without_javascript_returns_to_the_comment_on_the_page(as_role, network):
    delegate = as_role("delegate")
    page = section_url(network)
    response = delegate.post(f"/discussions/section/{network['section'].id}/comments",
                             data={"body": "Posted by a plain form.", "next": page, "client_id": "f-1"})
    (made,) = db.session.scalars(select(Comment))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{page}#comment-{made.id}")
    # Sending the same form twice (a double click, a resubmission) posts once.
    again = delegate.post(f"/discussions/section/{network['section'].id}/comments",
                          data={"body": "Posted by a plain form.", "next": page, "client_id": "f-1"})
    assert again.headers["Location"].endswith(f"#comment-{made.id}") and comments_count() == 1
    html = delegate.get(page).get_data(as_text=True)
    assert f'id="comment-{made.id}"' in html and "Posted by a plain form." in html


def test_posting_does_not_read_the_new_comment_back_for_the_redirect(as_role, network):
    delegate = as_role("delegate")
    page = section_url(network)
    db.session.remove()
    with recorded_statements() as statements:
        response = delegate.post(f"/discussions/section/{network['section'].id}/comments",
                                 data={"body": "Read once.", "next": page})
    (made,) = db.session.scalars(select(Comment))
    assert response.headers["Location"].endswith(f"#comment-{made.id}")
    assert not [s for s in statements if s.startswith("SELECT comments.id")], statements


def test_posting_without_next_does_not_read_the_page_it_returns_to_again(as_role, network):
    """The section's address is worked out before the commit: nothing the commit expired is read
    back for the redirect."""
    delegate = as_role("delegate")
    page, section_id = section_url(network), network["section"].id
    db.session.remove()
    with recorded_statements() as statements:
        response = delegate.post(f"/discussions/section/{section_id}/comments", data={"body": "Back."})
    (made,) = db.session.scalars(select(Comment))
    assert response.headers["Location"].endswith(f"{page}#comment-{made.id}")
    written = max(i for i, s in enumerate(statements) if s.startswith("INSERT INTO events"))
    assert not [s for s in statements[written:] if s.startswith(("SELECT sections.", "SELECT standards."))], \
        statements[written:]


def test_an_unsafe_next_is_ignored(as_role, network):
    response = as_role("delegate").post(f"/discussions/section/{network['section'].id}/comments",
                                        data={"body": "Hi", "next": "https://evil.example/"})
    assert response.headers["Location"].startswith(section_url(network) + "#comment-")


def test_a_refused_post_keeps_what_was_written(as_role, network):
    response = as_role("delegate").post(f"/discussions/section/{network['section'].id}/comments",
                                        data={"body": "", "quote": "Members own the platform."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please write your comment." in html
    assert "Members own the platform." in html and comments_count() == 0


def test_replies_render_under_their_parent(as_role, network, comment):
    steward = as_role("steward")
    form = steward.get(f"/discussions/comments/{comment.id}/reply").get_data(as_text=True)
    assert "A first thought." in form and f'value="{comment.id}"' in form
    steward.post(f"/discussions/section/{network['section'].id}/comments",
                 data={"body": "A reply.", "parent_id": str(comment.id)})
    html = steward.get(section_url(network)).get_data(as_text=True)
    replies = html[html.index(f'data-replies-for="{comment.id}"'):]
    assert replies.index("A reply.") < replies.index("</ol>")


def test_a_quote_is_shown_with_the_comment(as_role, network):
    section = network["section"]
    delegate = as_role("delegate")
    delegate.post(f"/discussions/section/{section.id}/comments",
                  data={"body": "Why only members?", "quote": "Members own the platform.",
                        "anchor": f'{{"revision_id": {section.head_revision_id}, "paragraph": 1}}'})
    html = delegate.get(section_url(network)).get_data(as_text=True)
    key = section.key
    assert re.search(rf'<blockquote class="comment-quote">.*href="#{key}-p1">¶1</a>.*Members own the platform\.</p>',
                     html, re.S)
    assert f'id="{key}-p1"' in html  # the quote's link leads to its paragraph
    bad = delegate.post(f"/discussions/section/{section.id}/comments",
                        data={"body": "x", "quote": "y", "anchor": "{not json"})
    assert bad.status_code == 422


def test_edit_form_and_history(as_role, network, comment):
    delegate = as_role("delegate")
    form = delegate.get(f"/discussions/comments/{comment.id}/edit").get_data(as_text=True)
    assert "A first thought." in form
    delegate.post(f"/discussions/comments/{comment.id}/edit", data={"body": "A second thought."})
    page = delegate.get(section_url(network)).get_data(as_text=True)
    assert "A second thought." in page and f'/discussions/comments/{comment.id}/history">edited</a>' in page
    history = as_role("observer").get(f"/discussions/comments/{comment.id}/history").get_data(as_text=True)
    assert history.index("A second thought.") < history.index("A first thought.")
    assert db.session.scalar(select(func.count(CommentEdit.id))) == 1


def test_hiding_shows_the_reason_to_everyone_and_the_words_only_to_steward_and_author(as_role, network, comment):
    steward = as_role("steward")
    hide = steward.post(f"/discussions/comments/{comment.id}/hide", data={"reason": "Off <b>topic</b>"})
    assert hide.status_code == 302
    for role in ROLES:
        html = as_role(role).get(section_url(network)).get_data(as_text=True)
        assert "Hidden by a steward: Off &lt;b&gt;topic&lt;/b&gt;" in html
        assert ("A first thought." in html) is (role in ("steward", "delegate")), role
    history = as_role("observer").get(f"/discussions/comments/{comment.id}/history").get_data(as_text=True)
    assert "A first thought." not in history
    assert steward.post(f"/discussions/comments/{comment.id}/unhide").status_code == 302
    assert "A first thought." in as_role("observer").get(section_url(network)).get_data(as_text=True)


def test_starting_a_topic(as_role, network):
    delegate = as_role("delegate")
    response = delegate.post(f"/discussions/section/{network['section'].id}/threads",
                             data={"title": "Data portability", "body": "Which formats?"})
    assert response.status_code == 302
    html = delegate.get(section_url(network)).get_data(as_text=True)
    assert re.search(r'<h3 id="thread-\d+-title">Data portability</h3>', html) and "Which formats?" in html


def test_a_delegate_of_two_coops_chooses_in_the_form(as_role, network, make_coop):
    from deliberate.members import services as members

    second = make_coop(name="Second Co-op")
    _invitation, token = members.invite_delegate(actor=network["steward"], coop=second)
    members.accept_invitation(token=token, name="x", email="x@example.org", password="a long test password",
                              actor=network["delegate"])
    delegate = as_role("delegate")
    html = delegate.get(section_url(network)).get_data(as_text=True)
    assert '<select id="comment-coop" name="coop"' in html and "Second Co-op" in html
    refused = delegate.post(f"/discussions/section/{network['section'].id}/comments", data={"body": "Hi"})
    assert refused.status_code == 422 and "Choose which co-op" in refused.get_data(as_text=True)
    delegate.post(f"/discussions/section/{network['section'].id}/comments", data={"body": "Hi", "coop": str(second.id)})
    assert db.session.scalars(select(Comment)).one().coop_id == second.id


# Cross-site scripting --------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "<script>alert('x')</script>",
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me](java\tscript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "![x](javascript:alert(1))",
])
def test_comment_bodies_render_inert(as_role, network, body):
    made = services.post_comment(actor=network["delegate"], subject_kind="section", subject_id=network["section"].id,
                                 body=body, quote="<script>alert('q')</script>")
    html = as_role("observer").get(section_url(network)).get_data(as_text=True)
    rendered = html[html.index(f'id="comment-{made.id}"'):html.index('data-replies-for')]
    assert "<script" not in rendered and "<img" not in rendered
    assert not re.search(r"(href|src)=\"\s*java", rendered, re.I)
    assert "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;" in rendered


def test_pages_load_the_discussion_script_without_inline_code(as_role, network):
    html = as_role("delegate").get(section_url(network)).get_data(as_text=True)
    assert re.search(r'<script src="/static/js/discussions\.[0-9a-f]{12}\.js" defer></script>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    discussion = html[html.index('<section class="discussion"'):]
    assert not re.search(r"\son[a-z]+=|\sstyle=", discussion)


def _token(html):
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_posting_needs_the_csrf_token(app_config, app, network):
    from tests.conftest import TEST_PASSWORD

    delegate = app.test_client()
    signin = delegate.get("/signin").get_data(as_text=True)
    assert delegate.post("/signin", data={"email": network["delegate"].email, "password": TEST_PASSWORD,
                                          "csrf_token": _token(signin)}).status_code == 302
    response = delegate.post(f"/discussions/section/{network['section'].id}/comments", data={"body": "Forged"})
    assert response.status_code == 400 and comments_count() == 0
    page = delegate.get(section_url(network)).get_data(as_text=True)
    token = re.search(r'id="comment-form".*?name="csrf_token" value="([^"]+)"', page, re.S).group(1)
    ok = delegate.post(f"/discussions/section/{network['section'].id}/comments",
                       data={"body": "Real", "csrf_token": token})
    assert ok.status_code == 302 and comments_count() == 1
