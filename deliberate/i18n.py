"""Interface languages: which one a request is served in, and dates and numbers in that language.

Member texts (principles, amendments, comments) stay in the language they were written in; only the
interface is translated. The choice, in order: the signed-in person's saved language, the one picked
on this browser (session), then the browser's Accept-Language, then English.

Outside a request (CLI, background jobs, tests calling services directly) the default language is
used, so that services may call ``gettext`` anywhere.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import current_app, g, has_request_context, request, session
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import format_decimal, format_percent, get_locale, get_translations, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .errors import InvalidInput
from .notices import recognise
from .translatable import Code, Joined, Message, Percent

DEFAULT_LOCALE = "en"
# Code -> the language's own name, as shown in the language picker.
LANGUAGES = {"en": "English", "es": "Español"}

# How dates read in each language. English keeps the day-month-year order the site has always used
# ("26 November 2026"); other languages use their CLDR "long" date ("26 de noviembre de 2026").
_DATE_PATTERNS = {"en": "d MMMM y"}
_DATETIME_PATTERNS = {"en": "d MMM y, HH:mm", "es": "d MMM y, HH:mm"}


def select_locale() -> str:
    """The language of this request (Flask-Babel's locale selector)."""
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    saved = getattr(current_user, "locale", None) if current_user and current_user.is_authenticated else None
    if saved in LANGUAGES:
        return saved
    picked = session.get("locale")
    if picked in LANGUAGES:
        return picked
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LOCALE


def request_translations():
    """The current language's catalogue, looked up once per request and language.

    Flask-Babel finds the catalogue afresh at every ``gettext`` (through ``g``, the domain, the
    locale and its cache), which a page pays a few hundred times. This keeps it beside the locale
    Flask-Babel chose for the request, and looks again whenever that locale changes (``refresh``,
    ``force_locale``), so the answer is always Flask-Babel's own.
    """
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    cached = getattr(state, "deliberate_translations", None)
    if cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    state = g.get("_flask_babel")  # get_translations made it on the first call of the request
    if state is not None:
        state.deliberate_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def install_template_gettext(app) -> None:
    """Templates' ``_`` and ``ngettext`` (Jinja's i18n extension, installed by Flask-Babel) read
    the catalogue of :func:`request_translations`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: request_translations().ugettext(message),
        ngettext=lambda singular, plural, n: request_translations().ungettext(singular, plural, n),
        pgettext=lambda context, message: request_translations().upgettext(context, message),
        npgettext=lambda context, singular, plural, n: request_translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )


def current_locale() -> str:
    """The language of this response, as a short code for ``<html lang>``."""
    locale = get_locale()
    return locale.language if locale else DEFAULT_LOCALE


def check_locale(code: str | None) -> str | None:
    """``None`` (follow the browser) or a supported language code; anything else is refused."""
    code = (code or "").strip()
    if not code:
        return None
    if code not in LANGUAGES:
        raise InvalidInput(_("That language is not available."), field_errors={"locale": [_("Choose a language from the list.")]})
    return code


def save_locale(*, actor, locale: str | None) -> None:
    """Remember ``actor``'s interface language on their account (``None``: follow the browser)."""
    from .database import unit_of_work
    from .members.models import Person

    locale = check_locale(locale)
    with unit_of_work() as session_:
        person = session_.get(Person, actor.id)
        person.locale = locale


# -- Dates and numbers, in the current language (template filters) ------------------------------

def format_datetime(value: datetime | None) -> str:
    """A moment, e.g. "26 Nov 2026, 14:30 UTC" / "26 nov 2026, 14:30 UTC". Times are shown in UTC."""
    if not value:
        return ""
    pattern = _DATETIME_PATTERNS.get(current_locale(), "medium")
    return f"{babel_format_datetime(value, pattern)} UTC"


def machine_datetime(value: datetime | date | None) -> str:
    """A moment for ``<time datetime>``, valid as HTML requires: UTC to the second, e.g.
    "2026-11-26T14:30:05Z" (HTML allows at most three digits of fractions; ``isoformat()`` gives six).
    A naive value is taken as UTC, as the database stores it; a date stays a date."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_date(value: date | datetime | None) -> str:
    """A day, e.g. "26 November 2026" / "26 de noviembre de 2026"."""
    if not value:
        return ""
    return babel_format_date(value, _DATE_PATTERNS.get(current_locale(), "long"))


def format_number(value) -> str:
    """An integer or decimal with the language's separators ("12,345" / "12.345")."""
    if value is None:
        return ""
    return format_decimal(value)


def format_percentage(value, digits: int = 0) -> str:
    """A fraction (0.5) as a percentage ("50%" / "50 %")."""
    if value is None:
        return ""
    pattern = get_locale().percent_formats[None].pattern  # e.g. "#,##0%" (en), "#,##0 %" (es)
    if digits:
        pattern = pattern.replace("0%", "0." + "0" * digits + "%").replace("0 %", "0." + "0" * digits + " %")
    return format_percent(value, format=pattern)


# -- Strings the browser scripts show (rendered into a JSON block by base.html) -------------------

# Keyed by the English text, which the scripts keep as their fallback.
_JS_STRINGS = {
    "The connection is slow; your text is kept and will be sent again.":
        _l("The connection is slow; your text is kept and will be sent again."),
    "All changes are shared.": _l("All changes are shared."),
    "Could not start editing.": _l("Could not start editing."),
    "Editing together. Changes are shared as you type.": _l("Editing together. Changes are shared as you type."),
    "Saved as revision %(number)s.": _l("Saved as revision %(number)s."),
    "Comment by %(name)s": _l("Comment by %(name)s"),
    "a delegate": _l("a delegate"),
    "%(name)s is typing…": _l("%(name)s is typing…"),
    "Reading now: %(names)s.": _l("Reading now: %(names)s."),
    "Posting…": _l("Posting…"),
    "Posted.": _l("Posted."),
    "Your comment could not be posted. Please try again.": _l("Your comment could not be posted. Please try again."),
    "a comment": _l("a comment"),
    "Cancel reply": _l("Cancel reply"),
    "Quote in a comment": _l("Quote in a comment"),
    "Live updates on": _l("Live updates on"),
    "Reconnecting…": _l("Reconnecting…"),
    "%(turnout)s of %(electorate)s": _l("%(turnout)s of %(electorate)s"),
    "A section was just revised: reload to see it.": _l("A section was just revised: reload to see it."),
    "Quoting": _l("Quoting"),
    "%(label)s in %(section)s": _l("%(label)s in %(section)s"),
    "edited": _l("edited"),
    "just now": _l("just now"),
    "Reply": _l("Reply"),
    "to %(name)s": _l("to %(name)s"),
    "Edit": _l("Edit"),
    "your comment": _l("your comment"),
    "Hide…": _l("Hide…"),
    "%(names)s and %(last)s are typing…": _l("%(names)s and %(last)s are typing…"),
    "you": _l("you"),
    "Replying to %(name)s.": _l("Replying to %(name)s."),
    # live.js: what changed on a page that follows a state (docs/live.md, "Pages that follow a state")
    "Reload the page to see it as it is now.": _l("Reload the page to see it as it is now."),
    "A vote has opened on this: reload to see what you can do now.":
        _l("A vote has opened on this: reload to see what you can do now."),
    "Vote %(id)s has opened on this.": _l("Vote %(id)s has opened on this."),
    "A vote has opened.": _l("A vote has opened."),
    "A vote has closed.": _l("A vote has closed."),
    "A vote was cancelled.": _l("A vote was cancelled."),
    "This vote has closed: ballots are no longer accepted.": _l("This vote has closed: ballots are no longer accepted."),
    "This vote has closed. Result: %(result)s.": _l("This vote has closed. Result: %(result)s."),
    "Too few co-ops took part, so the question is called a second time: vote %(id)s.":
        _l("Too few co-ops took part, so the question is called a second time: vote %(id)s."),
    "Vote %(id)s on this has closed. Result: %(result)s.": _l("Vote %(id)s on this has closed. Result: %(result)s."),
    "This vote was cancelled: ballots are no longer accepted.": _l("This vote was cancelled: ballots are no longer accepted."),
    "This vote was cancelled: %(reason)s": _l("This vote was cancelled: %(reason)s"),
    "Vote %(id)s on this was cancelled.": _l("Vote %(id)s on this was cancelled."),
    "The stewards published the outcome statement.": _l("The stewards published the outcome statement."),
    "An objection was raised.": _l("An objection was raised."),
    "A concern was recorded.": _l("A concern was recorded."),
    "This objection is no longer standing.": _l("This objection is no longer standing."),
    "An objection was withdrawn.": _l("An objection was withdrawn."),
    "An objection was resolved.": _l("An objection was resolved."),
    "This amendment is now %(state)s: reload to see what you can do now.":
        _l("This amendment is now %(state)s: reload to see what you can do now."),
    "This amendment is now %(state)s.": _l("This amendment is now %(state)s."),
    "Amendments on this page have changed.": _l("Amendments on this page have changed."),
    "The last call has started: reload to see what you can do now.":
        _l("The last call has started: reload to see what you can do now."),
    "The last call on this amendment has started: every member co-op is told.":
        _l("The last call on this amendment has started: every member co-op is told."),
    "The text of this amendment changed, so its last call ended: it is back in discussion.":
        _l("The text of this amendment changed, so its last call ended: it is back in discussion."),
    "The text of this amendment has changed.": _l("The text of this amendment has changed."),
    "Version %(number)s was assembled: a candidate for ratification.":
        _l("Version %(number)s was assembled: a candidate for ratification."),
    "Version %(number)s was ratified.": _l("Version %(number)s was ratified."),
    "Version %(number)s was not ratified.": _l("Version %(number)s was not ratified."),
    "Version %(number)s was withdrawn.": _l("Version %(number)s was withdrawn."),
    "This version is no longer a candidate: reload to see what you can do now.":
        _l("This version is no longer a candidate: reload to see what you can do now."),
    "This standard is now %(maturity)s.": _l("This standard is now %(maturity)s."),
    "This co-op is now %(status)s.": _l("This co-op is now %(status)s."),
    "The status of a co-op on this page has changed.": _l("The status of a co-op on this page has changed."),
    "A section was just revised.": _l("A section was just revised."),
    "A co-op published a declaration.": _l("A co-op published a declaration."),
    "A steward recorded a mediation note.": _l("A steward recorded a mediation note."),
    "The mediator made a proposal to the council.": _l("The mediator made a proposal to the council."),
    "The objection was withdrawn.": _l("The objection was withdrawn."),
    "A council was drawn for this objection.": _l("A council was drawn for this objection."),
    "A member of the council was dismissed.": _l("A member of the council was dismissed."),
    "A member of the council voted.": _l("A member of the council voted."),
    "A draft decision was put to the council.": _l("A draft decision was put to the council."),
    "A minority opinion was written.": _l("A minority opinion was written."),
    "The objection is settled: the council adopted the mediator’s proposal.": _l("The objection is settled: the council adopted the mediator’s proposal."),
    "The council decided.": _l("The council decided."),
    "The amendment restoring the earlier text is proposed.": _l("The amendment restoring the earlier text is proposed."),
    "A co-op questioned a declaration.": _l("A co-op questioned a declaration."),
    "A question on a declaration was answered.": _l("A question on a declaration was answered."),
    "A question was taken to the formal objection process.":
        _l("A question was taken to the formal objection process."),
}

# The states a page may show changing live (live.js: a badge's new word), sent as "state:<code>".
_LIVE_STATES = ("open", "voting", "adopted", "rejected", "withdrawn", "superseded", "conflicted", "draft",
                "closed", "cancelled", "candidate", "ratified", "failed", "applicant", "member", "suspended", "left")

_JS_BY_LOCALE: dict[str, dict] = {}


def js_strings() -> dict:
    """The scripts' strings in the current language: ``{english: translation}`` (made once per
    language: every page carries them, and the catalogues do not change while the app runs;
    the dict is shared, so never change it).

    Plurals map the English singular to [form for 1, form for other counts]: enough for English and Spanish
    (both have two forms); a language with more forms would need the count rules in i18n.js too.
    """
    language = str(get_locale())
    if language not in _JS_BY_LOCALE:
        _JS_BY_LOCALE[language] = _js_strings_now()
    return _JS_BY_LOCALE[language]


def _js_strings_now() -> dict:
    strings: dict = {key: str(value) for key, value in _JS_STRINGS.items()}
    strings.update({f"state:{code}": status_label(code) for code in _LIVE_STATES})
    # An amendment's phase badge (amendments/_process.html) as the last call starts or ends.
    from .proposals.phases import PHASE_LABELS

    strings.update({f"state:phase-{phase}": _(PHASE_LABELS[phase]) for phase in ("discussion", "last_call")})
    strings["(%(n)s comment)"] = [ngettext("(%(n)s comment)", "(%(n)s comments)", 1, n="%(n)s"),
                                  ngettext("(%(n)s comment)", "(%(n)s comments)", 2, n="%(n)s")]
    strings["%(n)s visitor"] = [ngettext("%(n)s visitor", "%(n)s visitors", 1, n="%(n)s"),
                                ngettext("%(n)s visitor", "%(n)s visitors", 2, n="%(n)s")]
    # How many are reading a secret vote's page (never who).
    strings["%(n)s person"] = [ngettext("%(n)s person", "%(n)s people", 1, n="%(n)s"),
                               ngettext("%(n)s person", "%(n)s people", 2, n="%(n)s")]
    return strings


# -- Stored codes (states, statuses, kinds) as words in the current language ----------------------

# The database and the API keep the English codes; pages show these labels. One label per code,
# whatever the model (e.g. "draft" is both a maturity and an amendment state).
_CODE_LABELS = {
    # maturities, version states
    "draft": _l("draft"), "candidate": _l("candidate"), "ratified": _l("ratified"), "failed": _l("failed"),
    # section kinds
    "principle": _l("principle"), "guidance": _l("guidance"), "editorial": _l("editorial"),
    # co-op kinds and statuses
    "worker": _l("worker"), "platform": _l("platform"), "data": _l("data"), "consumer": _l("consumer"),
    "multi-stakeholder": _l("multi-stakeholder"), "other": _l("other"),
    "applicant": _l("applicant"), "member": _l("member"), "suspended": _l("suspended"), "left": _l("left"),
    # amendment states and kinds
    "open": _l("open"), "voting": _l("voting"), "adopted": _l("adopted"), "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"), "superseded": _l("superseded"), "conflicted": _l("conflicted"),
    "modify": _l("modify"), "retitle": _l("retitle"), "insert": _l("insert"), "delete": _l("delete"),
    "move": _l("move"),
    # vote states, objection statuses
    "closed": _l("closed"), "cancelled": _l("cancelled"),
    "standing": _l("standing"), "resolved": _l("resolved"), "upheld": _l("upheld"), "logged": _l("logged"),
    # how a section compares between two moments
    "added": _l("added"), "removed": _l("removed"), "changed": _l("changed"), "unchanged": _l("unchanged"),
    "moved": _l("moved"), "retitled": _l("retitled"),
    # version levels (versions/numbering.py)
    "major": _l("major"), "minor": _l("minor"), "patch": _l("patch"),
    # deliveries
    "pending": _l("pending"), "delivered": _l("delivered"),
    # why an amendment has a new draft (prefixed: the words differ from the states above)
    "draft:created": _l("created"), "draft:edited": _l("edited"), "draft:rebased": _l("updated automatically"),
    "draft:resolved": _l("conflict resolved"),
}


def status_label(code) -> str:
    """The word for a stored code (``"adopted"`` -> "adoptada"); unknown values are shown as they are."""
    label = _CODE_LABELS.get(code) if isinstance(code, str) else None
    return str(label) if label is not None else ("" if code is None else str(code))


def translated(mapping) -> dict:
    """``{key: gettext(label)}`` for a mapping whose labels were marked with ``N_`` in a pure module."""
    return {key: _(label) for key, label in mapping.items()}


# -- Sentences made by pure modules (translatable.Message), in the current language ---------------

def say(value) -> str:
    """A :class:`~deliberate.translatable.Message` (or one of its parameters) in the current language.

    Messages are translated with gettext, plural ones with ngettext (``num`` written with the
    language's digits); nested messages first, counts with the language's digits, percentages as
    the language writes them, stored codes as their labels, days as the language's dates. Anything
    else is shown as it is: names,
    references, member texts.
    """
    if isinstance(value, Message):
        params = {name: say(item) for name, item in value.params.items()}
        if value.plural is not None:
            # Formatted here: flask_babel's ngettext would give the count as it is (and takes no ``num=``).
            params.setdefault("num", format_number(value.n))
            return get_translations().ungettext(value.msgid, value.plural, value.n) % params
        return _(value.msgid, **params)
    if isinstance(value, Percent):
        if value.places is not None:
            return format_percentage(value.decimal(), value.places)
        if (value.value * 100).denominator == 1:
            return format_percentage(value.decimal())
        return str(value.value)
    if isinstance(value, Code):
        return status_label(value.value)
    if isinstance(value, Joined):
        return value.separator.join(say(item) for item in value.items)
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, date):
        return format_date(value)
    return "" if value is None else str(value)


def say_notice(text: str | None) -> str:
    """A stored text in the current language if the platform wrote it (a notice of ``notices.py``),
    otherwise as it is (a note a person wrote)."""
    message = recognise(text)
    return ("" if text is None else str(text)) if message is None else say(message)


def say_all(messages, separator: str = " ") -> str:
    """Several messages as one text in the current language (an explanation's sentences)."""
    return separator.join(say(message) for message in messages)
