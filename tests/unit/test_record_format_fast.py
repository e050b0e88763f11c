"""canonical() and loads_jsonl() take quicker paths through the json module (the C encoder
without json.dumps' set-up, one decoder for every line, text compared before bytes): they must
give the very bytes and the very answers of the plain json.dumps / json.loads they replace, or
old records would stop verifying."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.voting.record_format import LedgerError, _no_float, canonical, loads_jsonl

_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | _text
    | st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


def _plain_canonical(obj: object) -> bytes | None:
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        return None


@settings(max_examples=400)
@given(_json)
def test_canonical_is_json_dumps(obj: object) -> None:
    want = _plain_canonical(obj)
    if want is None:
        with pytest.raises(LedgerError):
            canonical(obj)
    else:
        assert canonical(obj) == want


def test_canonical_refuses_mixed_keys_and_cycles() -> None:
    with pytest.raises(LedgerError):
        canonical({"a": 1, 2: 3})
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(LedgerError):
        canonical(loop)
    assert canonical({"b": [1, "é"], "a": None}) == '{"a":null,"b":[1,"é"]}'.encode()


def _plain_loads(text: str) -> list[dict] | str:
    """loads_jsonl as it was written before (json.loads per line, bytes compared)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            return f"line {number}: empty line"
        try:
            entry = json.loads(line, parse_float=_no_float, parse_constant=_no_float)
        except json.JSONDecodeError as exc:
            return f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
        except (ValueError, RecursionError) as exc:
            return f"line {number}: not valid JSON ({exc})"
        if not isinstance(entry, dict):
            return f"line {number}: expected a JSON object"
        if _plain_canonical(entry) != line.encode("utf-8", "surrogatepass") or any(
                0xD800 <= ord(c) <= 0xDFFF for c in line):
            return f"line {number}: not in canonical form (a byte was changed or the file " \
                   f"was reformatted)"
        out.append(entry)
    return out


def _ours(text: str) -> list[dict] | str:
    try:
        return loads_jsonl(text)
    except LedgerError as exc:
        return str(exc)


_lines = st.one_of(
    _json.map(lambda o: json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False)),
    _json.map(json.dumps),  # spaces, escapes: not canonical
    st.sampled_from(['{"a":1.5}', '{"a":NaN}', "\ufeff{}", "{}", '{"a":1} ', "[1]", "{",
                     '{"a":"\\ud800"}', '{"a":"\ud800"}', '{"é":1}', '{"b":1,"a":2}']),
)


@settings(max_examples=400)
@given(st.lists(_lines, min_size=1, max_size=4))
def test_loads_jsonl_answers_as_before(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    assert _ours(text) == _plain_loads(text)


def test_the_cycle_collector_is_paused_only_while_reading_and_resumed_after() -> None:
    import gc

    from deliberate.voting.record_format import no_cycle_collection

    assert gc.isenabled()
    with no_cycle_collection():
        assert not gc.isenabled()
        with no_cycle_collection():  # nested: only the outer one resumes it
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(LedgerError), no_cycle_collection():
        raise LedgerError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()  # paused by someone else: left paused
    finally:
        gc.enable()
    assert loads_jsonl('{"a":1}\n') == [{"a": 1}] and gc.isenabled()
