"""Each refusal message is written once, where the rule lives: in the feature's service (or its
queries module, for reads). A view or an API endpoint that must refuse before calling the
service (a GET showing a form) calls the service's ``check_can_*``; it never words the refusal
itself, so the page, the API and the sockets cannot drift apart."""

import re
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "deliberate"
REFUSAL = re.compile(r'raise\s+\w+\(\s*_\(\s*"((?:[^"\\]|\\.)*)"', re.S)
SERVICE_MODULES = {"services.py", "closing.py", "adoption.py", "queries.py", "subjects.py"}


def _layer(path: Path) -> str | None:
    relative = path.relative_to(PACKAGE)
    if relative.parts[0] == "api" or path.name.startswith("views"):
        return "entry"
    if path.name in SERVICE_MODULES or path.parent.name in ("services",):
        return "service"
    return None


def _refusals() -> dict[str, set[Path]]:
    found: dict[str, set[Path]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        for match in REFUSAL.finditer(path.read_text(encoding="utf-8")):
            found[match.group(1)].add(path)
    return found


def test_the_scan_finds_refusals_in_both_layers():
    layers = {_layer(path) for paths in _refusals().values() for path in paths}
    assert {"entry", "service"} <= layers


def test_no_refusal_message_is_written_in_both_a_view_and_a_service():
    doubled = {}
    for message, paths in _refusals().items():
        layers = {_layer(path) for path in paths}
        if {"entry", "service"} <= layers:
            doubled[message] = sorted(str(p.relative_to(PACKAGE)) for p in paths)
    assert not doubled, "refusals worded both in a view/API module and in a service: " + repr(doubled)
