"""Append-only tables in the database itself, for the migrations that make them.

A hash-chained record (ballot records, the witness log, the registry's record, the proxy record,
formal objections' records) is refused any UPDATE or DELETE by the database, whoever connects:

- SQLite: a BEFORE UPDATE and a BEFORE DELETE trigger, ``<table>_no_update`` and
  ``<table>_no_delete``, each ``SELECT RAISE(ABORT, '<message>')``;
- PostgreSQL: a plpgsql function ``<table>_append_only()`` raising the message, called by a row
  trigger BEFORE UPDATE OR DELETE and a statement trigger ``<table>_no_truncate`` BEFORE TRUNCATE.

The migrations import this module (``from deliberate.migrations.append_only import …``) and import
no app code through it: what a migration writes must not change when the app does. The SQL is
exactly what each migration wrote out before this module existed, down to the function bodies'
white space (PostgreSQL keeps them as written: ``pg_dump -s`` shows them), so databases migrated
before and after it are the same. Two spellings exist, named by ``style``:

- ``"plain"`` (witness log, registry, formal objections): the function raises the message alone;
- ``"refused"`` (ballot records, proxy record): the function adds which operation was refused and
  the SQLSTATE integrity_constraint_violation.

``sqlite_says_action`` adds " (UPDATE refused)" / " (DELETE refused)" to the SQLite triggers'
message (the ballot records only).
"""
from __future__ import annotations

from alembic import op

_PLAIN_FUNCTION = """
            CREATE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{message}';
            END;
            $$ LANGUAGE plpgsql
        """
_REFUSED_FUNCTION = """
            CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{message} (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
            END
            $$"""
_FUNCTIONS = {"plain": _PLAIN_FUNCTION, "refused": _REFUSED_FUNCTION}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def make_append_only(table: str, message: str, *, style: str = "plain", row_trigger: str | None = None,
                     sqlite_says_action: bool = False) -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on ``table``, saying ``message``.

    ``row_trigger``: the PostgreSQL row trigger's name (``<table>_no_change`` unless given)."""
    if "'" in message:
        raise ValueError("the message is written inside SQL quotes: no apostrophes")
    function = f"{table}_append_only"
    if _postgresql():
        op.execute(_FUNCTIONS[style].format(function=function, message=message))
        op.execute(f"CREATE TRIGGER {row_trigger or f'{table}_no_change'} BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {function}()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    else:
        for action in ("UPDATE", "DELETE"):
            said = f"{message} ({action} refused)" if sqlite_says_action else message
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{said}'); END")


def drop_append_only(table: str, *, row_trigger: str | None = None) -> None:
    """Undo make_append_only (before the table itself is dropped or changed)."""
    if _postgresql():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {row_trigger or f'{table}_no_change'} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
