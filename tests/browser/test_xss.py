"""The XSS corpus through every field that shows member-written text, checked in Chromium.

Each field gets the corpus (tests/xss_corpus.py); the pages that show it are loaded in
headless Chromium with a hook, installed before any page script, that records dialogs
(alert/confirm/prompt), console messages carrying the marker, and ``window.__xss``. Nothing may
run, and no element in the DOM may carry an event handler or a ``javascript:``/``data:`` URL.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from tests.xss_corpus import CORPUS

MARK = "XSS-MARK"
# Short payloads fit titles and names (limits of 120 to 200 characters).
SHORT = [
    "<img src=x onerror=alert('XSS-MARK')>",
    "<svg onload=alert('XSS-MARK')>",
    "<script>window.__xss='XSS-MARK'</script>",
    "\"><iframe src=javascript:alert('XSS-MARK')>",
    "[x](javascript:alert('XSS-MARK'))",
]
LONG = "\n\n".join(p.replace("alert(1)", f"alert('{MARK}')").replace("window.__xss=1", f"window.__xss='{MARK}'")
                   for p in CORPUS if not p.startswith("```"))

HOOK = """
(() => {
  window.__xss_hits = [];
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = (...args) => { window.__xss_hits.push(name + ':' + args.join(' ')); };
  }
  Object.defineProperty(window, '__xss', {set(v) { window.__xss_hits.push('__xss:' + v); }, get() { return undefined; }});
})();
"""

SCAN = """
() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\x00-\\x20\\x7f]/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(el.tagName + '[' + name + ']');
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(name) &&
          (value.startsWith('javascript:') || value.startsWith('vbscript:') || value.startsWith('data:text')))
        bad.push(el.tagName + '[' + name + '=' + attr.value + ']');
    }
    if (['IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName)) bad.push(el.tagName);
    if (el.tagName === 'SCRIPT' && !el.src && !/json/.test(el.type)) bad.push('inline SCRIPT');
    if (el.tagName === 'SCRIPT' && el.src && !el.src.startsWith(location.origin)) bad.push('foreign SCRIPT ' + el.src);
  }
  return bad;
}
"""


def short(i: int) -> str:
    return SHORT[i % len(SHORT)]


@pytest.fixture
def poisoned(app, steward, make_coop, make_delegate):
    """Every field that shows member-written text, filled with payloads."""
    from deliberate.database import utcnow
    from deliberate.discussions import services as discussions
    from deliberate.proposals import services as proposals
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions
    from deliberate.voting import objections
    from deliberate.voting import services as voting

    coop = make_coop(name=short(0), description=LONG[:2000])
    delegate = make_delegate(coop=coop, name=short(1), email="xss@example.org")
    applicant = make_coop("applicant", name=short(3))
    standard = standards.create_standard(actor=steward, title=short(2), summary=LONG[:3000],
                                         sections=[(short(4), LONG), (short(0), "\n".join(SHORT))])
    section = standard.sections[0]
    amendment = proposals.propose_amendment(actor=delegate, standard=standard, kind="modify", section=section,
                                            name=short(1), summary=LONG[:580], rationale=LONG[:2000],
                                            proposed_title=short(2), proposed_body=LONG + "\n\nChanged.")
    amendment = proposals.open_amendment(actor=delegate, amendment=amendment)
    comment = discussions.post_comment(actor=delegate, subject_kind="standard", subject_id=standard.id, body=LONG)
    discussions.start_thread(actor=delegate, subject_kind="amendment", subject_id=amendment.id, title=short(3),
                             body=LONG)
    hidden = discussions.post_comment(actor=delegate, subject_kind="standard", subject_id=standard.id, body=short(4))
    discussions.hide_comment(actor=steward, comment_id=hidden.id, reason=short(0))
    version = versions.assemble_version(actor=steward, standard=standard, summary=LONG[:2000])
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                            closes_at=utcnow() + timedelta(days=3), rule_preset="consent")
    objections.raise_objection(actor=delegate, vote=vote, argument=LONG[:2000])
    return {
        "pages": [
            "/", "/standards/", f"/standards/{standard.slug}", f"/standards/{standard.slug}/s/{section.key}",
            f"/standards/{standard.slug}/s/{section.key}/r/1", f"/standards/{standard.slug}/s/{section.key}/blame",
            f"/standards/{standard.slug}/amendments", f"/standards/{standard.slug}/amendments/{amendment.id}",
            f"/standards/{standard.slug}/compare", f"/standards/{standard.slug}/changelog",
            f"/standards/{standard.slug}/v/{version.number}", f"/discussions/standard/{standard.id}",
            f"/discussions/amendment/{amendment.id}", f"/discussions/comments/{comment.id}/history",
            "/coops/", f"/coops/{coop.slug}", "/votes/", f"/votes/{vote.id}",
            "/search?q=" + quote(SHORT[0]), "/search?q=" + quote("members"), "/search?q=" + quote(SHORT[3]),
        ],
        "signed_in_pages": [f"/standards/{standard.slug}/s/{section.key}/edit",
                            f"/standards/{standard.slug}/amendments/{amendment.id}/edit",
                            f"/discussions/comments/{comment.id}/edit", "/notifications"],
        "delegate": delegate,
    }


def _visit(page, path) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text) if MARK in msg.text else None)
    page.on("dialog", lambda dialog: (messages.append("dialog:" + dialog.message), dialog.dismiss()))
    # The poisoned pages are long (the whole corpus in several fields, with word diffs): allow a
    # loaded machine more than a journey step's usual wait.
    response = page.goto(path, timeout=60_000)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # let any deferred handler (onload, onerror of a broken image) fire
    hits = page.evaluate("() => window.__xss_hits")
    return messages + hits + page.evaluate(SCAN)


def test_nothing_runs_on_any_page(new_page, poisoned):
    page = new_page()
    page.add_init_script(HOOK)
    found = {path: problems for path in poisoned["pages"] if (problems := _visit(page, path))}
    assert found == {}


def test_nothing_runs_on_the_pages_for_signed_in_people(new_page, poisoned, live_server):
    from tests.conftest import TEST_PASSWORD

    page = new_page()
    page.add_init_script(HOOK)
    page.goto("/signin")
    page.fill("input[name=email]", "xss@example.org")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state("load")
    found = {path: problems for path in poisoned["signed_in_pages"] if (problems := _visit(page, path))}
    assert found == {}


def test_the_hook_would_see_a_payload_that_ran(new_page, live_server):
    """The oracle can fail: a page whose script sets the marker is caught."""
    page = new_page(bypass_csp=True)
    page.add_init_script(HOOK)
    page.goto("/")
    page.evaluate(f"() => {{ window.__xss = '{MARK}'; alert('{MARK}'); }}")
    page.evaluate("() => { const i = document.createElement('img'); i.setAttribute('onerror', 'x'); "
                  "document.body.appendChild(i); }")
    assert page.evaluate("() => window.__xss_hits") == [f"__xss:{MARK}", f"alert:{MARK}"]
    assert page.evaluate(SCAN) == ["IMG[onerror]"]
