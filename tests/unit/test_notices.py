"""Stored sentences the platform writes (deliberate/notices.py): each is recognised again from its English,
with its values, so that pages can say it in their language; anything a person wrote is left alone."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from deliberate import notices
from deliberate.notices import NOTICES, Notice, recognise
from deliberate.translatable import Code, Message, Percent

EXAMPLES = {notices.REF: "A12", notices.NUMBER: "7", notices.VERSION: "1.2", notices.SHARE: "40%",
            notices.STATE: "adopted", notices.TEXT: "Kazi Pamoja: “a title”, with words",
            notices.TITLE: "Kanuni za Ushirika"}


def _values(notice: Notice) -> dict:
    return {name: EXAMPLES[kind] for name, kind in notice.kinds.items()}


@pytest.mark.parametrize("notice", NOTICES, ids=[n.msgid[:50] for n in NOTICES])
def test_every_notice_is_recognised_from_its_english(notice):
    text = notice(**_values(notice))
    found = recognise(text)
    assert found is not None and found.msgid == notice.msgid  # and by no other, more specific notice
    assert found.english() == text


def test_values_come_back_as_what_pages_show():
    found = recognise(notices.SECOND_CALL_EFFECT(vote=9, share="40%"))
    assert found == Message(notices.SECOND_CALL_EFFECT.msgid, {"vote": "9", "share": Percent(Fraction(2, 5))})
    assert recognise(notices.AMENDMENT_WAS(reference="A3", state="withdrawn")).params["state"] == Code("withdrawn")
    assert recognise(notices.LEVEL_CHOSEN(chosen="major", level="minor")).params == {"chosen": Code("major"),
                                                                                   "level": Code("minor")}
    assert recognise(notices.SECOND_CALL_EFFECT(vote=9, share="1/3")).params["share"] == Percent(Fraction(1, 3))


def test_a_title_inside_a_title_is_recognised_too():
    title = notices.SECOND_CALL_TITLE(title=notices.ADMIT_TITLE(name="Chama Kipya"))
    found = recognise(title)
    assert found.params["title"] == Message(notices.ADMIT_TITLE.msgid, {"name": "Chama Kipya"})
    assert recognise(notices.SECOND_CALL_TITLE(title="A4: Hesabu kila robo")).params["title"] == "A4: Hesabu kila robo"


@pytest.mark.parametrize("text", [
    "", None, "We talked it through.", "Adopted at the founding assembly.", "A12 was adopted instead",
    "Rebased onto revision three.", "Lots was adopted instead.", "A1 was adopted and changed the section under A2 "
    "(now revision 3): A3 was brought up to date and must be put to a vote again on its new text.",
])
def test_what_a_person_wrote_is_no_notice(text):
    assert recognise(text) is None


def test_a_notice_names_the_kind_of_each_value():
    with pytest.raises(ValueError):
        Notice("Rebased onto revision %(number)s.")
    with pytest.raises(ValueError):
        Notice("Rebased onto revision %(number)s.", number=notices.NUMBER, other=notices.TEXT)


def test_the_sentence_modules_are_pure():
    code = ("import sys\nimport deliberate.notices, deliberate.voting.explanation, deliberate.versions.numbering\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_babel', 'sqlalchemy')]\n"
            "assert not loaded, loaded")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
