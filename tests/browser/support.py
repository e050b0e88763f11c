"""Helpers the browser journeys share: signing in through the form, the axe-core scan, the
horizontal-scroll check, screenshots, and the URLs of the demo network's main pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
# axe-core is a test-only dependency: read from node_modules (`make vendor` runs npm ci), never served.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the real form (CSRF included) and wait until the account menu shows."""
    from playwright.sync_api import expect

    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules, plus best practices) on the page."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const results = await axe.run(document, {resultTypes: ["violations"]});
        return results.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
        }));
    }""")


def describe_violation(where: str, violation: dict) -> str:
    lines = [f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"][:5]:
        summary = " ".join(node["summary"].split()) if node["summary"] else ""
        lines.append(f"    at {node['target']}: {summary}")
    if len(violation["nodes"]) > 5:
        lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def blocking_violations(page, where: str) -> list[str]:
    """The serious and critical axe-core violations on the page, described for a failure message."""
    return [describe_violation(where, v) for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]


def horizontal_overflow(page) -> str | None:
    """None when the page does not scroll sideways; otherwise what is too wide, for the message."""
    return page.evaluate("""() => {
        const width = window.innerWidth, scroller = document.scrollingElement;
        if (scroller.scrollWidth <= width) return null;
        const wide = Array.from(document.querySelectorAll("body *"))
            .filter(el => el.getBoundingClientRect().right > width + 1 && !el.closest(".visually-hidden"))
            .slice(0, 5)
            .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                       + (typeof el.className === "string" && el.className
                          ? "." + el.className.split(" ").join(".") : ""));
        return `scrollWidth ${scroller.scrollWidth} > innerWidth ${width}; too wide: ${wide.join(", ")}`;
    }""")


def settle(page) -> None:
    """Wait until the page has laid itself out again (after a resize: layout.js reacts to it)."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def screenshot(page, name: str, full_page: bool = True) -> None:
    """Save a PNG under docs/screenshots/ (names are stable: the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@dataclass
class DemoPages:
    """The main pages of the demo network (``deliberate.seed``), by role."""

    everyone: dict[str, str] = field(default_factory=dict)
    signed_in: dict[str, str] = field(default_factory=dict)
    delegate: dict[str, str] = field(default_factory=dict)
    steward: dict[str, str] = field(default_factory=dict)
    observer: dict[str, str] = field(default_factory=dict)

    def for_role(self, role: str) -> dict[str, str]:
        """Every page for an observer; for a delegate or a steward, the pages that differ by role."""
        if role == "observer":
            return {**self.everyone, **self.observer}
        pages = {label: path for label, path in self.everyone.items() if label in ROLE_SENSITIVE}
        pages.update(self.signed_in)
        pages.update(self.delegate if role == "delegate" else self.steward)
        return pages


# Pages whose controls change with who reads them (edit links, comment forms, ballots, steward tools).
ROLE_SENSITIVE = {"home", "standards", "standard", "section", "amendments", "amendment diff", "amendment conflicted",
                  "discussion", "votes", "vote open", "vote closed", "changelog", "version", "co-ops", "co-op",
                  "search no results"}


def demo_pages(steward=None) -> DemoPages:
    """Seed the demo network and name its main pages (path by label).

    With no ``steward``, the database already holds the seeded network (the ``seeded_demo``
    fixture's copy) and the demo's own steward invites the newcomer."""
    from deliberate.discussions.models import Comment, Thread
    from deliberate.extensions import db
    from deliberate.members.models import Cooperative
    from deliberate.members.services import invite_delegate
    from deliberate.proposals.models import Amendment
    from deliberate.seed import seed
    from deliberate.standards import services as standards
    from deliberate.voting.models import Vote

    if steward is None:
        from deliberate.members.models import Person

        steward = db.session.scalar(db.select(Person).where(Person.email == "steward@example.org"))
    else:
        seed()
    standard = standards.get_standard("platform-co-op-principles")
    slug = standard.slug
    section = next(s for s in standard.sections if s.title == "Data rights")
    base = f"/standards/{slug}"
    sec = f"{base}/s/{section.key}"
    discussed = db.session.scalar(db.select(Amendment).where(Amendment.title == "No sharing without consent"))
    draft = db.session.scalar(db.select(Amendment).where(Amendment.title == "Delete when the law allows"))
    conflicted = db.session.scalar(db.select(Amendment).where(Amendment.title == "Union-agreed floor"))
    votes = db.session.scalars(db.select(Vote).order_by(Vote.id)).all()
    open_vote = next(v for v in votes if v.closed_at is None and v.subject_kind == "amendment")
    closed_vote = next(v for v in votes if v.closed_at is not None and v.subject_kind == "version")
    ranked_vote = next(v for v in votes if v.closed_at is not None and v.subject_kind == "group")
    comment = db.session.scalar(db.select(Comment).join(Thread).where(
        Thread.subject_kind == "amendment", Thread.subject_id == discussed.id).order_by(Comment.id))
    votable = db.session.scalar(db.select(Amendment).where(Amendment.title == "Announce decisions a month ahead"))
    coop = db.session.scalar(db.select(Cooperative).where(Cooperative.name == "Kazi Riders"))
    # The Principles are ratified (their text changes only through amendments): the edit page is a
    # draft standard's.
    drafted = standards.get_standard("member-data-rights")
    # The steward made this one; a fresh invitation for a newcomer to open.
    _invitation, token = invite_delegate(actor=steward, coop=coop)

    pages = DemoPages()
    pages.everyone = {
        "home": "/",
        "how it works": "/how-it-works",
        "standards": "/standards/",
        "standard": base,
        "standard draft": f"{base}?draft=1",
        "section": sec,
        "revision": f"{sec}/r/1",
        "blame": f"{sec}/blame",
        "section compare": f"{sec}/compare",
        "amendments": f"{base}/amendments",
        "amendment diff": f"{base}/amendments/{discussed.id}",
        "amendment side by side": f"{base}/amendments/{discussed.id}?view=side",
        "amendment conflicted": f"{base}/amendments/{conflicted.id}",
        "standard compare": f"{base}/compare",
        "discussion": f"/discussions/amendment/{discussed.id}",
        "comment history": f"/discussions/comments/{comment.id}/history",
        "votes": "/votes/",
        "vote open": f"/votes/{open_vote.id}",
        "vote closed": f"/votes/{closed_vote.id}",
        "vote ranked closed": f"/votes/{ranked_vote.id}",
        "changelog": f"{base}/changelog",
        "version": f"{base}/v/1.0",
        "version standalone": f"{base}/v/2.0.html",
        "version diff": f"{base}/versions/compare?from=1.0&to=2.0",
        "search": "/search?q=data",
        "search no results": "/search?q=zebra+crossing",
        "co-ops": "/coops/",
        "co-op": f"/coops/{coop.slug}",
        "network rules": "/policy",
        "standard policy": f"{base}/policy",
        "not found": "/no-such-page",
    }
    pages.observer = {"sign in": "/signin", "forgot password": "/forgot", "join": f"/join/{token}"}
    pages.signed_in = {"account": "/account", "notifications": "/notifications"}
    pages.delegate = {
        "propose amendment": f"{base}/amendments/new?section={section.key}",
        "edit section": f"/standards/{drafted.slug}/s/{drafted.sections[0].key}/edit",
        "edit draft amendment": f"{base}/amendments/{draft.id}/edit",
        "reply": f"/discussions/comments/{comment.id}/reply",
    }
    pages.steward = {
        "new standard": "/standards/new",
        "new vote": f"/votes/new?subject=amendment:{votable.id}",
        "new co-op": "/coops/new",
        "invite": f"/coops/{coop.slug}/invite",
        "assemble version": f"{base}/versions/new",
        "group amendments": f"{base}/amendments/group",
        "hide comment": f"/discussions/comments/{comment.id}/hide",
        "propose a policy change": f"{base}/policy/propose",
    }
    return pages
