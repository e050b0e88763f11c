"""The ballot record: an append-only, hash-chained list of entries per vote.

Pure and shared by the app (which appends entries) and the offline verifier (which checks an
exported JSON-lines file without the database). An entry is a plain dict:

    {"seq": 0, "type": "opened", "at": "2025-05-01T09:00:00Z", "data": {...},
     "prev": "000…0", "hash": "…"}

`hash` is SHA-256 over the canonical JSON of the entry without "hash"; `prev` is the previous
entry's hash (64 zeros for the first). A record starts with "opened", holds "ballot",
"objection" and "objection_resolved" entries, and ends with "closed" (the declared outcome) or
"cancelled" (a reason, no result) once the vote has ended. A secret vote's record is published
only in its sealed form (seal). See docs/ballot-record.md.

This module is the one to import (`from deliberate.voting import ledger`): the format lives in
record_format (entries, hashing, pseudonyms, receipts, sealing, JSON lines) and the reading and
checking in record_check (replay, verify, find_receipt).
"""

from __future__ import annotations

from deliberate.voting.record_check import (
    ReceiptMatch,
    ReplayState,
    VerifyReport,
    by_entry,
    find_receipt,
    replay,
    result_word,
    time_order_problems,
    verify,
    verify_chain,
)
from deliberate.voting.record_format import (
    CAST_TYPES,
    DELEGATE_PREFIX,
    ENTRY_KEYS,
    ENTRY_TYPES,
    FINAL_TYPES,
    GENESIS,
    OBJECTION_ENDINGS,
    RECEIPT_PREFIX,
    LedgerError,
    ballot_data,
    ballot_receipt,
    cancelled_data,
    canonical,
    closed_data,
    delegate_pseudonym,
    dumps_jsonl,
    entry_hash,
    format_at,
    hash_text,
    loads_jsonl,
    make_entry,
    objection_data,
    objection_resolved_data,
    opened_data,
    parse_at,
    receipt,
    seal,
)

__all__ = [
    "CAST_TYPES", "DELEGATE_PREFIX", "ENTRY_KEYS", "ENTRY_TYPES", "FINAL_TYPES", "GENESIS",
    "OBJECTION_ENDINGS", "RECEIPT_PREFIX", "LedgerError", "ReceiptMatch", "ReplayState",
    "VerifyReport", "ballot_data", "by_entry", "ballot_receipt", "canonical", "cancelled_data", "closed_data",
    "delegate_pseudonym", "dumps_jsonl", "entry_hash", "find_receipt", "format_at", "hash_text",
    "loads_jsonl", "make_entry", "objection_data", "objection_resolved_data", "opened_data",
    "parse_at", "receipt", "replay", "result_word", "seal", "time_order_problems", "verify",
    "verify_chain",
]
