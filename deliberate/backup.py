"""Online backups of a live SQLite database (``flask --app deliberate backup PATH``).

Uses SQLite's online backup API (``sqlite3.Connection.backup``) in a single step: the copy is
one consistent snapshot, taken inside a read transaction, while the server keeps serving and
writing (in WAL mode readers never block writers, and the other way round). The copy is written
to a temporary file beside the target, checked with ``PRAGMA integrity_check``, switched to a
rollback journal so it is one self-contained file, and only then renamed into place, so a
backup that fails half-way never leaves a damaged file under the target's name.

PostgreSQL is backed up with its own tools (``pg_dump``, or base backups with WAL archiving):
see docs/deployment.md, "Backups and restore". Standard library only: no Flask, no SQLAlchemy.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Tables whose row counts the report shows: what a steward recognises.
COUNTED_TABLES = ("standards", "versions", "amendments", "votes", "ballots", "vote_ledger",
                  "changelog_entries", "comments", "people", "cooperatives")
BUSY_TIMEOUT_MS = 30_000


class BackupError(RuntimeError):
    """The backup cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    """What was copied: where, how big, and how many rows of the main tables."""

    source: Path
    target: Path
    bytes: int
    pages: int
    seconds: float
    rows: dict[str, int]

    def summary(self) -> str:
        """One line per fact, for the command line."""
        counts = ", ".join(f"{n} {table}" for table, n in self.rows.items())
        return (f"Backed up {self.source} to {self.target}: {self.bytes / 1024 / 1024:.1f} MiB, {self.pages} pages, "
                f"in {self.seconds:.2f}s. Integrity check: ok.\nRows: {counts}.")


def sqlite_path(database_uri: str) -> Path:
    """The file behind a ``sqlite:///…`` URI; BackupError for other databases or in-memory ones."""
    if database_uri.startswith("postgresql"):
        raise BackupError("This database is PostgreSQL: back it up with pg_dump (for example "
                          "`pg_dump --format=custom --file=deliberate.dump \"$DATABASE_URL\"`) or with base "
                          "backups and WAL archiving. See docs/deployment.md, \"Backups and restore\".")
    prefix = "sqlite:///"
    if not database_uri.startswith(prefix):
        raise BackupError(f"Only SQLite databases can be backed up with this command, not {database_uri.split(':')[0]}.")
    path = database_uri[len(prefix):].split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupError("An in-memory database has nothing on disk to back up.")
    return Path(path)


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> BackupReport:
    """Copy the live database ``source`` into ``target`` as one consistent snapshot.

    Refuses to overwrite ``target`` unless ``force``. The copy is checked before it is renamed
    into place; on any failure the temporary file is removed and ``target`` is left as it was.
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the path of the backup file to write.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists: choose another name, or use --force to replace it.")
    if target.resolve() == source.resolve():
        raise BackupError("The backup cannot be written over the database itself.")
    started = time.monotonic()
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
        dst = sqlite3.connect(temporary)
        try:
            src.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # pages=-1: all pages in one step, under one read transaction, so the copy is one
            # snapshot (stepwise copies restart when another connection writes in between).
            src.backup(dst, pages=-1)
            # One self-contained file: no -wal beside the backup.
            dst.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"The copy failed its integrity check: {'; '.join(problems[:5])}")
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
            rows = _row_counts(dst)
        finally:
            dst.close()
            src.close()
        with open(temporary, "rb") as copied:
            os.fsync(copied.fileno())
        os.chmod(temporary, 0o600)  # the database holds password hashes and vote keys
        os.replace(temporary, target)
        _fsync_folder(target.parent)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy the database: {error}") from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return BackupReport(source=source, target=target, bytes=target.stat().st_size, pages=pages,
                        seconds=time.monotonic() - started, rows=rows)


def _row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in COUNTED_TABLES if table in present}


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
