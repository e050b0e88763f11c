"""CSV that spreadsheets open safely (pure).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run as a
formula by spreadsheet software (CSV or "formula" injection: a co-op or person named
``=HYPERLINK(…)``). Such text cells are written with a leading apostrophe, which spreadsheets show
as plain text, as OWASP advises. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["safe_cell", "to_csv"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str | int:
    """``value`` as a CSV cell: numbers as they are, text that could start a formula neutralised."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    text = "" if value is None else str(value)
    if text.startswith(_TRIGGERS):
        return "'" + text
    return text


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A CSV document (header first, CRLF line ends as RFC 4180) of ``rows`` keyed by ``columns``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return out.getvalue()
