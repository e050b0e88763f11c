"""trust (issue 14): record heads, batched turnout, close errors, receipts, append-only triggers

Revision ID: k1trust0001
Revises: j1events0001
Create Date: 2026-12-06 20:30:00

The ORM already refuses to change or delete a record entry, but only for code that goes through
it. These triggers refuse UPDATE and DELETE on ``vote_ledger`` (and TRUNCATE on PostgreSQL) for
every client of the database, raw SQL included. A superuser can still drop them: that is what
the receipts and the witness log are for (docs/ballot-record.md).

Existing data is brought to the new rules: a cancelled vote's record gets its final
``cancelled`` entry (at its cancelling time, with its reason), every ended vote gets the head of
its record as it was already published (never re-sealed), every ballot its receipt, and every open secret
vote its turnout as first announced. The hashing is written out here (as in ledger.py) so that
this migration never changes with the app's code.
"""
import hashlib
import json
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

import deliberate.database
from deliberate.migrations.append_only import drop_append_only, make_append_only

# revision identifiers, used by Alembic.
revision = 'k1trust0001'
down_revision = 'j1events0001'
branch_labels = None
depends_on = None

MESSAGE = "vote_ledger is append-only: ballot records are never changed or deleted"


def upgrade():
    # Plain added columns: SQLite adds them in place (recreating "votes" fails once rows refer to it).
    with op.batch_alter_table('votes', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('record_head', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('record_sealed', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('published_turnout', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('close_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('close_failed_at', deliberate.database.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_hash', sa.String(length=64), nullable=True))
        batch_op.alter_column('delegate_pseudonym', existing_type=sa.String(length=40), nullable=True)

    _bring_records_up_to_date(op.get_bind())

    make_append_only("vote_ledger", MESSAGE, style="refused", row_trigger="vote_ledger_append_only", sqlite_says_action=True)


VOTES = sa.table("votes", sa.column("id", sa.Integer), sa.column("rule", sa.JSON), sa.column("state", sa.String),
                 sa.column("cancel_reason", sa.Text),
                 sa.column("closed_at", deliberate.database.UTCDateTime(timezone=True)),
                 sa.column("record_head", sa.String), sa.column("record_sealed", sa.Boolean),
                 sa.column("published_turnout", sa.Integer))
LEDGER = sa.table("vote_ledger", sa.column("vote_id", sa.Integer), sa.column("seq", sa.Integer),
                  sa.column("kind", sa.String), sa.column("entry", sa.JSON), sa.column("hash", sa.String))
BALLOTS = sa.table("ballots", sa.column("id", sa.Integer), sa.column("vote_id", sa.Integer),
                   sa.column("entry_hash", sa.String), sa.column("receipt_hash", sa.String))


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _sha256(obj) -> str:
    return hashlib.sha256(_canonical(obj)).hexdigest()


def _at(moment: datetime) -> str:
    naive = moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta(0))
    return naive.isoformat(timespec="microseconds" if naive.microsecond else "seconds") + "Z"


def _parse_at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _next(prev, kind: str, data: dict, at: str) -> dict:
    entry = {"seq": prev["seq"] + 1, "type": kind, "at": at, "data": data, "prev": prev["hash"]}
    entry["hash"] = _sha256(entry)
    return entry


def _bring_records_up_to_date(bind) -> None:
    for vote in bind.execute(sa.select(VOTES).order_by(VOTES.c.id)).all():
        entries = [row.entry for row in bind.execute(
            sa.select(LEDGER.c.entry).where(LEDGER.c.vote_id == vote.id).order_by(LEDGER.c.seq))]
        secret = bool((vote.rule or {}).get("secret"))
        if vote.state == "open":
            if secret:
                voted = bind.scalar(sa.select(sa.func.count()).select_from(BALLOTS).where(BALLOTS.c.vote_id == vote.id))
                bind.execute(VOTES.update().where(VOTES.c.id == vote.id).values(published_turnout=voted))
            continue
        if not entries:
            continue
        if vote.state == "cancelled" and entries[-1]["type"] not in ("closed", "cancelled"):
            at = entries[-1]["at"]
            if vote.closed_at is not None and vote.closed_at > _parse_at(at):
                at = _at(vote.closed_at)
            entry = _next(entries[-1], "cancelled", {"reason": vote.cancel_reason or "Cancelled (no reason was recorded)."}, at)
            bind.execute(LEDGER.insert().values(vote_id=vote.id, seq=entry["seq"], kind="cancelled", entry=entry,
                                                hash=entry["hash"]))
            entries.append(entry)
        # An ended vote's record was already published as stored (a secret one in casting order too):
        # its head stays the one others may have kept, and it is never re-sealed.
        bind.execute(VOTES.update().where(VOTES.c.id == vote.id)
                     .values(record_head=entries[-1]["hash"], record_sealed=False))
    receipts = {row.hash: _sha256(row.entry["data"]) for row in bind.execute(
        sa.select(LEDGER.c.hash, LEDGER.c.entry).where(LEDGER.c.kind.in_(("ballot", "objection"))))}
    for ballot in bind.execute(sa.select(BALLOTS.c.id, BALLOTS.c.entry_hash)).all():
        if ballot.entry_hash in receipts:
            bind.execute(BALLOTS.update().where(BALLOTS.c.id == ballot.id)
                         .values(receipt_hash=receipts[ballot.entry_hash]))


def downgrade():
    drop_append_only("vote_ledger", row_trigger="vote_ledger_append_only")
    op.execute("UPDATE ballots SET delegate_pseudonym = '' WHERE delegate_pseudonym IS NULL")
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('receipt_hash')
        batch_op.alter_column('delegate_pseudonym', existing_type=sa.String(length=40), nullable=False,
                              existing_server_default=None)
    # SQLite drops these plain columns in place: recreating "votes" fails once other tables refer to its rows.
    with op.batch_alter_table('votes', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('close_failed_at')
        batch_op.drop_column('close_error')
        batch_op.drop_column('published_turnout')
        batch_op.drop_column('record_head')
        batch_op.drop_column('record_sealed')
