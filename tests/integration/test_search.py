"""Search against the database (SQLite FTS5, or PostgreSQL full text search with DATABASE_URL):
what is found, what stays private, and how the index follows every change."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberate.database import unit_of_work
from deliberate.discussions import services as discussions
from deliberate.extensions import db
from deliberate.proposals import services as proposals
from deliberate.search import indexing
from deliberate.search.models import SearchDocument
from deliberate.search.queries import search
from deliberate.search.text import MARK_END, MARK_START, Term, fts5_match, marked, parse_query, plain_text
from deliberate.standards import services as standards
from deliberate.standards.models import Standard
from tests.sql_statements import recorded_statements


def found(person, query, **options) -> set[tuple[str, int]]:
    return {(hit.kind, hit.ref_id) for hit in search(person, query, **options).hits}


def kinds(person, query, **options) -> list[str]:
    return [hit.kind for hit in search(person, query, **options).hits]


@pytest.fixture
def other(make_delegate, make_coop):
    """A delegate of another member co-op."""
    return make_delegate(coop=make_coop(name="Dades Comunes"), name="Other")


def draft(network, word="zanzibarian", **extra):
    section = network["section"]
    values = {"kind": "modify", "section": section, "summary": "Say who owns it.",
              "proposed_title": section.title, "proposed_body": f"Members own the {word} platform."}
    values.update(extra)
    return proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], **values)


def comment(actor, kind, ident, body):
    return discussions.post_comment(actor=actor, subject_kind=kind, subject_id=ident, body=body)


# Finding ------------------------------------------------------------------------------------

def test_standards_and_sections_are_found_by_their_words(network):
    standard, section = network["standard"], network["section"]
    assert ("section", section.id) in found(None, "platform")
    assert ("standard", standard.id) in found(None, "principles")
    data = standard.sections[1]
    assert found(None, "download") == {("section", data.id)}


def test_words_are_all_required_and_phrases_keep_their_order(network):
    data = network["standard"].sections[1]
    assert found(None, "members download") == {("section", data.id)}
    assert found(None, "platform download") == set()
    assert found(None, '"own their data"') == {("section", data.id)}
    assert found(None, '"their own data"') == set()


def test_words_match_their_other_forms(network):
    assert ("section", network["section"].id) in found(None, "owned member")


def test_a_match_in_the_title_ranks_first(network, make_standard):
    titled = make_standard(title="Quorum rules", sections=[("Counting", "How many must take part.")])
    make_standard(title="Other rules", sections=[("Meetings", "A quorum is needed at meetings, and quorum "
                                                              "is counted at the start.")])
    hits = search(None, "quorum").hits
    assert (hits[0].kind, hits[0].ref_id) == ("standard", titled.id)


@pytest.mark.parametrize("query", [
    '"', '""', "*", "NEAR(a b)", "AND OR NOT", "title:data", "^data", "-data", "data -", "'", "\\", "()",
    "a:b:c", "!&|", "data*", '"unclosed phrase', "{a b}", "data AND", "<script>", "x" * 500, "\x00data",
    MARK_START + "data" + MARK_END, "café", "データ",
])
def test_any_typed_query_runs_and_is_read_as_plain_words(network, query):
    results = search(None, query)  # never raises: nothing typed is query syntax
    assert all(h.kind in ("standard", "section", "amendment", "comment") for h in results.hits)


def test_syntax_characters_are_plain_words(network):
    data = network["standard"].sections[1]
    assert found(None, "data*") == found(None, "data") != set()
    assert found(None, "download OR platform") == set()  # OR is a word here, not an operator
    assert ("section", data.id) in found(None, "(download)")


def test_an_empty_query_finds_nothing(network):
    assert search(None, "   ").hits == [] and search(None, None).terms == []


def test_filters_by_kind_and_by_standard(network, make_standard):
    other_standard = make_standard(title="Model Bylaws", sections=[("Members", "Members meet once a year.")])
    everywhere = found(None, "members")
    assert {k for k, _ in everywhere} == {"section"}
    assert found(None, "members", standard=other_standard) == {("section", other_standard.sections[0].id)}
    assert found(None, "members", kind="standard") == set()
    assert found(None, "bylaws", kind="standard") == {("standard", other_standard.id)}


def test_results_come_in_pages(steward, make_standard):
    make_standard(title="Quorum everywhere", sections=[(f"Clause {n}", f"Quorum clause number {n}.")
                                                        for n in range(1, 26)])
    first = search(None, "clause", page=1)
    second = search(None, "clause", page=2)
    assert len(first.hits) == 20 and first.has_next
    assert len(second.hits) == 5 and not second.has_next
    assert not {h.ref_id for h in first.hits} & {h.ref_id for h in second.hits}


# Snippets -----------------------------------------------------------------------------------

def test_snippets_escape_the_text_then_mark_the_match(steward, make_standard):
    make_standard(title="Hostile <b>title</b> & co", sections=[
        ("Tags", "We write <script>alert(1)</script> & zebra ]]> in our texts.")])
    hit = next(h for h in search(None, "zebra").hits)
    html = str(hit.snippet)
    assert "<mark>zebra</mark>" in html
    # (PostgreSQL's headline leaves tag-like words out; SQLite's keeps them, escaped.)
    assert "<script>" not in html and "alert(1)" in html and "&amp;" in html
    title_hit = search(None, "hostile").hits[0]
    assert "<b>" not in str(title_hit.title) and "&lt;b&gt;" in str(title_hit.title)
    assert "<mark>Hostile</mark>" in str(title_hit.title)


def test_markdown_is_indexed_as_plain_words(steward, make_standard):
    standard = make_standard(title="Links", sections=[
        ("Where", "See [the charter](https://example.org/secretpath) and **bold words**.")])
    assert found(None, "charter") == {("section", standard.sections[0].id)}
    assert found(None, "secretpath") == set()
    assert "**" not in str(search(None, "bold").hits[0].snippet)


# Who sees what ----------------------------------------------------------------------------------

def test_a_draft_amendments_words_are_found_only_by_its_authors_and_stewards(network, other, steward):
    amendment = draft(network)
    target = ("amendment", amendment.id)
    assert target in found(network["delegate"], "zanzibarian")
    assert target in found(steward, "zanzibarian")
    assert found(other, "zanzibarian") == set()
    assert found(None, "zanzibarian") == set()
    proposals.open_amendment(actor=network["delegate"], amendment=amendment)
    assert target in found(other, "zanzibarian") and target in found(None, "zanzibarian")


def test_a_co_author_finds_the_draft_too(network, other):
    amendment = draft(network)
    assert found(other, "zanzibarian") == set()
    proposals.add_coauthor(actor=network["delegate"], amendment=amendment, email=other.email)
    assert ("amendment", amendment.id) in found(other, "zanzibarian")


def test_comments_on_a_draft_are_as_private_as_the_draft(network, other, steward):
    amendment = draft(network)
    posted = comment(network["delegate"], "amendment", amendment.id, "A quibblesome remark on our draft.")
    target = ("comment", posted.id)
    assert target in found(network["delegate"], "quibblesome")
    assert target in found(steward, "quibblesome")
    assert found(other, "quibblesome") == set() and found(None, "quibblesome") == set()
    proposals.open_amendment(actor=network["delegate"], amendment=amendment)
    assert target in found(None, "quibblesome")


def test_a_comment_is_indexed_once_when_posted(network, other):
    """Posting a comment writes it twice (the row, then its event's id at commit, under the events
    lock): its search document is read and written once, for the first."""
    with recorded_statements() as statements:
        posted = comment(other, "standard", network["standard"].id, "Once only: quincunxial.")
    assert found(other, "quincunxial") == {("comment", posted.id)}
    assert len([s for s in statements if s.startswith("SELECT search_documents")]) == 1, statements


def test_hidden_comments_are_found_by_stewards_only(network, steward, other):
    standard = network["standard"]
    posted = comment(other, "standard", standard.id, "Buy cheap flibbertigibbets here.")
    assert ("comment", posted.id) in found(None, "flibbertigibbets")
    discussions.hide_comment(actor=steward, comment_id=posted.id, reason="Advertising.")
    assert found(None, "flibbertigibbets") == set()
    assert found(other, "flibbertigibbets") == set()  # its author too: hidden is hidden in search
    hits = search(steward, "flibbertigibbets").hits
    assert [(h.kind, h.ref_id, h.hidden) for h in hits] == [("comment", posted.id, True)]
    discussions.unhide_comment(actor=steward, comment_id=posted.id)
    assert ("comment", posted.id) in found(None, "flibbertigibbets")


def test_comments_on_sections_and_votes_are_public(network, other):
    posted = comment(other, "section", network["section"].id, "The wording is gobbledygookish.")
    assert found(None, "gobbledygookish") == {("comment", posted.id)}
    hit = search(None, "gobbledygookish").hits[0]
    assert hit.standard_slug == network["standard"].slug


# Keeping in step ----------------------------------------------------------------------------

def test_a_revised_section_is_found_by_its_new_words_only(network):
    section = network["section"]
    standards.revise_section(actor=network["delegate"], section=section, title=section.title,
                             body="Members hold the cooperative jointly.", message="Clearer.",
                             base_revision_id=section.head_revision_id)
    assert found(None, "jointly") == {("section", section.id)}
    assert ("section", section.id) not in found(None, "platform")


def test_an_edited_amendment_and_comment_are_reindexed(network, other):
    amendment = draft(network)
    proposals.edit_amendment(actor=network["delegate"], amendment=amendment, expected_draft_id=amendment.head_draft_id,
                             summary="Say who owns it.", rationale="", proposed_title=network["section"].title,
                             proposed_body="Members own the quixotic platform.")
    me = network["delegate"]
    assert found(me, "zanzibarian") == set() and found(me, "quixotic") == {("amendment", amendment.id)}
    posted = comment(other, "standard", network["standard"].id, "First wording: heliotrope.")
    discussions.edit_comment(actor=other, comment_id=posted.id, body="Second wording: chartreuse.")
    assert found(None, "heliotrope") == set() and found(None, "chartreuse") == {("comment", posted.id)}


def test_a_standards_new_title_is_searchable(network):
    standard = db.session.get(Standard, network["standard"].id)
    with unit_of_work() as session:
        session.get(Standard, standard.id).title = "Platform Cooperative Charter"
    assert ("standard", standard.id) in found(None, "charter")


def test_a_rolled_back_change_leaves_no_trace_in_the_index(steward):
    with pytest.raises(RuntimeError):
        with unit_of_work() as session:
            session.add(Standard(title="Vanishing ink", slug="vanishing-ink", created_by_id=steward.id))
            session.flush()
            # Flushed: inside the transaction the index already has the row.
            assert session.scalar(select(func.count()).select_from(SearchDocument)) == 1
            raise RuntimeError("abort")
    assert found(None, "vanishing") == set()
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 0


def test_rebuilding_gives_the_same_results(network, other):
    comment(other, "standard", network["standard"].id, "Rebuild me: pumpernickel.")
    before = {q: found(None, q) for q in ("pumpernickel", "platform", "download", "principles")}
    with unit_of_work() as session:
        count = indexing.rebuild(session)
    assert count == db.session.scalar(select(func.count()).select_from(SearchDocument))
    assert {q: found(None, q) for q in before} == before


# The pure parts -----------------------------------------------------------------------------

@pytest.mark.parametrize("typed, terms", [
    ("members data", [Term("members"), Term("data")]),
    ('"one member one vote" quorum', [Term("one member one vote", True), Term("quorum")]),
    ('"single"', [Term("single")]),
    ('"unclosed phrase here', [Term("unclosed phrase here", True)]),
    ("co-op's data", [Term("co-op's"), Term("data")]),
    ("data DATA Data", [Term("data")]),
    ("* - ( ) \" :", []),
    ("", []),
])
def test_parse_query(typed, terms):
    assert parse_query(typed) == terms


def test_fts5_match_quotes_every_term():
    assert fts5_match([Term("data"), Term("one member", True)]) == '"data" "one member"'
    assert fts5_match([Term('say "hi"')]) == '"say ""hi"""'


def test_queries_are_bounded():
    assert len(parse_query(" ".join(f"word{n}" for n in range(50)))) == 12


@pytest.mark.parametrize("fragment, html", [
    (f"a {MARK_START}b{MARK_END} c", "a <mark>b</mark> c"),
    (f"<i>{MARK_START}x & y{MARK_END}", "&lt;i&gt;<mark>x &amp; y</mark>"),
    (f"cut {MARK_START}inside", "cut <mark>inside</mark>"),
    (f"{MARK_END}stray", "stray"),
    ("", ""),
])
def test_marked_escapes_first(fragment, html):
    assert str(marked(fragment)) == html


def test_plain_text_drops_markup_but_keeps_words():
    text = plain_text("# Title\n\nSome *emphasis* and [a link](http://x.org/hidden).\n\n- item `code`\n\n```\nblock\n```")
    assert text.split("\n") == ["Title", "Some emphasis and a link.", "item code", "block"]
