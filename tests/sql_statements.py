"""The SQL statements a block of a test runs, to count reads and writes (a count, not a time: the
same figure on any machine)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Each statement the app's engine runs inside the block, on one line, in order."""
    from sqlalchemy import event

    from deliberate.extensions import db

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
