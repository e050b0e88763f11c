"""bench/summary.py: the last JSON line of each bench, its targets met or not."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("bench_summary", Path(__file__).resolve().parents[2] / "bench" / "summary.py")
summary = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(summary)


@pytest.mark.parametrize(("name", "target", "expected"), [
    ("public_page_ratio", 0.5, ("min", 0.5)),            # a throughput relative to hello: at least
    ("ratio", 1.0, ("max", 1.0)),                        # diff's ratio of costs to C++: at most
    ("coedit_100_editors_p95_ms", 200, ("max", 200.0)),
    ("production_200_errors", 0, ("max", 0.0)),
    ("coedit_100_editors_lost", 0, ("max", 0.0)),
    ("hello_rps", 1000, ("min", 1000.0)),
    ("gthread_connected", 500, ("min", 500.0)),
    ("public_page_render_ms", {"max": 20}, ("max", 20.0)),
    ("anything_ms", {"min": 3}, ("min", 3.0)),           # explicit beats the name
])
def test_direction(name, target, expected):
    assert summary.direction(name, target) == expected


def test_an_unknown_explicit_target_is_refused():
    with pytest.raises(ValueError):
        summary.direction("x", {"about": 3})


def test_the_last_json_line_wins_and_other_lines_are_ignored():
    text = "\n".join(["== bench/pages.py", '{"not": "a result"}', json.dumps({"bench": "pages", "figures": {"a": 1}}),
                      "{broken", json.dumps({"bench": "pages", "figures": {"a": 2}, "targets": {}}), "trailing words"])
    assert summary.last_json_line(text)["figures"] == {"a": 2}
    assert summary.last_json_line("no figures at all\n") is None


@pytest.mark.parametrize(("figures", "targets", "met"), [
    ({"public_page_ratio": 0.6}, {"public_page_ratio": {"min": 0.5}}, [True]),
    ({"public_page_ratio": 0.4}, {"public_page_ratio": {"min": 0.5}}, [False]),
    ({"public_page_render_ms": 20.0}, {"public_page_render_ms": {"max": 20}}, [True]),   # the bound itself meets
    ({"production_200_errors": 3}, {"production_200_errors": 0}, [False]),
    ({"sqlite": {"p95_ms": 80}}, {"sqlite.p95_ms": 500}, [True]),                         # nested, with dots
    ({}, {"fanout_1000_2proc_p95_ms": 250}, [None]),                                      # not measured
    ({"load_tool": "wrk"}, {"load_tool": 1}, [None]),                                      # not a number
])
def test_verdicts(figures, targets, met):
    rows = summary.verdicts({"bench": "b", "figures": figures, "targets": targets})
    assert [row["met"] for row in rows] == met


def test_main_prints_one_table_and_fails_on_a_missed_or_silent_bench(tmp_path, capsys):
    good = tmp_path / "pages.log"
    good.write_text("some output\n" + json.dumps({"bench": "pages", "figures": {"public_page_ratio": 0.8},
                                                   "targets": {"public_page_ratio": {"min": 0.5}}}) + "\n")
    assert summary.main([str(good)]) == 0
    out = capsys.readouterr().out
    assert "public_page_ratio" in out and "met" in out and "1 of 1 targets met" in out
    assert json.loads(out.strip().splitlines()[-1])["figures"]["not_met_count"] == 0
    crashed = tmp_path / "tally.log"
    crashed.write_text("Traceback (most recent call last):\n")
    assert summary.main([str(good), str(crashed)]) == 1
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["figures"]["silent"] == ["tally"] and last["figures"]["not_met_count"] == 1
