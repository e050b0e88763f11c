"""The wire text of patches: the server's own encoder writes exactly what dmp's ``patch_toText`` writes."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.realtime import sync

# Letters, the characters dmp leaves unescaped and those it escapes, accents, another script, an
# emoji (beyond the BMP) and control characters: every kind the translate table must know.
ALPHABET = st.sampled_from(list("abc XYZ 019_.-~!*'();/?:@&=+$,#%\"<>[]\\^`{|}\t\n\r\x00\x7féñ€中😀"))
texts = st.text(alphabet=ALPHABET, max_size=60)


@settings(max_examples=400, deadline=None)
@given(texts, texts)
def test_the_server_patch_text_is_dmps(base, target):
    diffs = sync._diff(base, target)
    for patches in (sync._hunks(list(diffs), sync._DMP.Patch_Margin), sync._DMP.patch_make(base, list(diffs))):
        assert sync._patches_text(patches) == sync._DMP.patch_toText(patches)


def test_a_character_outside_the_cache_is_escaped_the_same():
    table = sync._Escapes()
    for code in range(0x4E00, 0x4E00 + 5000):  # more than the table keeps
        assert chr(code).translate(table) == "".join(f"%{b:02X}" for b in chr(code).encode("utf-8"))
    assert len(table) <= 4096


def test_patches_made_by_the_server_still_apply_on_the_client_side():
    base = "Members decide together. " * 40
    target = base.replace("decide", "decide openly", 3) + "😀 é"
    text = sync._patch_text(base, target, exact=True)
    assert sync._apply_exact(base, text) == target
