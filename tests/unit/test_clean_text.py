"""limits.clean_text: the one cleaner of every text field (forms, services, API, sockets)."""
from __future__ import annotations

import pytest

from deliberate import limits
from deliberate.errors import InvalidInput
from deliberate.limits import clean_text

# value, multiline, expected
CLEANED = [
    ("  plain  ", True, "plain"),
    ("one\r\ntwo\rthree", True, "one\ntwo\nthree"),               # line endings normalised
    ("trailing   \nspaces\t \n", True, "trailing\nspaces"),
    ("a\n\n\n\nb", True, "a\n\nb"),                                # blank lines collapse
    ("tab\tinside", True, "tab\tinside"),                         # tabs inside lines stay
    ("Cafe\u0301", True, "Caf\u00e9"),                             # NFC
    ("Cafe\u0301", False, "Caf\u00e9"),
    ("  a   title  ", False, "a title"),                          # runs of spaces collapse
    ("\u00a0no-break\u00a0", False, "no-break"),
    ("", True, ""),
    (None, True, ""),                                              # not a string: empty
    (42, False, ""),
    (["list"], True, ""),
]


@pytest.mark.parametrize("value, multiline, expected", CLEANED)
def test_text_is_normalised(value, multiline, expected):
    assert clean_text(value, "field", 100, multiline=multiline) == expected


# Every C0 control, DEL and every C1 control, with what each mode does with it.
ALLOWED_ON_SEVERAL_LINES = {"\t", "\n", "\r"}
CONTROLS = [chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]]


@pytest.mark.parametrize("control", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_control_characters_on_one_line_are_refused_naming_the_field(control):
    with pytest.raises(InvalidInput) as refused:
        clean_text(f"a{control}b", "title", 100, multiline=False)
    assert list(refused.value.field_errors) == ["title"]
    assert f"U+{ord(control):04X}" in refused.value.message


@pytest.mark.parametrize("control", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_control_characters_on_several_lines_are_refused_except_line_breaks_and_tabs(control):
    if control in ALLOWED_ON_SEVERAL_LINES:
        assert clean_text(f"a{control}b", "body", 100) in ("a\nb", "a\tb")
        return
    with pytest.raises(InvalidInput) as refused:
        clean_text(f"a{control}b", "body", 100)
    assert refused.value.field_errors == {"body": [f"Contains a control character (U+{ord(control):04X})."]}


@pytest.mark.parametrize("text", ["\x00", "trailing\x1f", "\x85", "x\ud800"],
                         ids=["nul-alone", "stripped-whitespace-control", "next-line", "lone-surrogate"])
def test_controls_that_stripping_would_hide_are_still_refused(text):
    """U+001F and U+0085 count as whitespace for str.strip(): refusing them before normalising
    means they are never silently dropped (nor stored); lone surrogates cannot be stored either."""
    for multiline in (True, False):
        with pytest.raises(InvalidInput):
            clean_text(text, "field", 100, multiline=multiline)


def test_other_invisible_characters_are_not_control_characters():
    # Format characters (zero-width joiner in an emoji, a soft hyphen) are legitimate inside text.
    assert clean_text("👩\u200d🌾 co\u00adop", "name", 100, multiline=False) == "👩\u200d🌾 co\u00adop"


@pytest.mark.parametrize("value", ["", "   ", "\n\n", None, "\u200b", " \u200b\u2060\ufeff "],
                         ids=["empty", "spaces", "blank-lines", "none", "zero-width-space", "zero-width-only"])
def test_required_refuses_empty_and_invisible_only_text(value):
    with pytest.raises(InvalidInput) as refused:
        clean_text(value, "body", 100, required="Please write your comment.")
    assert refused.value.message == "Please write your comment."
    assert refused.value.field_errors == {"body": ["This field is required."]}


def test_without_required_empty_text_is_fine():
    assert clean_text("   ", "note", 100) == ""


@pytest.mark.parametrize("multiline", [True, False])
def test_the_limit_counts_characters_after_cleaning(multiline):
    assert clean_text("x" * 10, "f", 10, multiline=multiline) == "x" * 10
    assert clean_text("  " + "x" * 10 + "  ", "f", 10, multiline=multiline) == "x" * 10
    with pytest.raises(InvalidInput) as refused:
        clean_text("x" * 11, "f", 10, multiline=multiline)
    assert refused.value.message == "Please keep it under 10 characters."
    assert refused.value.field_errors == {"f": ["At most 10 characters."]}


def test_a_caller_may_give_its_own_message_for_too_long_text():
    with pytest.raises(InvalidInput) as refused:
        clean_text("x" * 12, "body", 10, too_long=lambda count: f"{count} is too many")
    assert refused.value.message == "12 is too many"
    assert refused.value.field_errors == {"body": ["At most 10 characters."]}


def test_limits_of_the_same_kind_of_text_have_their_own_names():
    # Different on purpose and kept as they were: a name each so the difference is visible.
    assert (limits.REASON, limits.VOTE_NOTE, limits.VERSION_NOTE) == (500, 1_000, 1_000)
    assert (limits.SUMMARY, limits.AMENDMENT_SUMMARY) == (4_000, 600)
    assert (limits.TITLE, limits.VOTE_TITLE) == (200, 300)
    assert (limits.NAME, limits.COOP_NAME, limits.TOKEN_NAME) == (120, 160, 80)
    assert limits.MAX_TEXT >= max(value for name, value in vars(limits).items()  # MAX_ID bounds ids, not text
                                  if name.isupper() and isinstance(value, int) and not name.endswith("_BYTES")
                                  and name != "MAX_ID")
