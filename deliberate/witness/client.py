"""``deliberate witness URL [--state FILE]``: keep watch over a network's witness log. Stdlib only.

Fetches the log (``https://…/witness.jsonl``), checks its chain, checks that the copy kept last
time (``--state``) is still its beginning, byte for byte, that each vote's published ballot
record verifies and ends in the hash the log names, and that each formal objection's record
verifies and holds that hash, with nothing but minority opinions after it. Then keeps the new copy
for next time.

Exit status: 0 all is well; 1 something does not verify (the log's chain, a record, a record's
head); 2 history was rewritten (the kept copy is no longer the beginning of the log); 3 the log
or a record could not be fetched or the state file read. Run it from cron (docs/witness.md).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from deliberate.appeals import record as objection_record
from deliberate.voting import ledger

from . import chain

DEFAULT_STATE = "~/.deliberate-witness.jsonl"
TIMEOUT = 30
MAX_BYTES = 256 * 1024 * 1024
OK, FAILED, REWRITTEN, UNREACHABLE = 0, 1, 2, 3

Fetcher = Callable[[str], bytes]


class FetchError(Exception):
    """The address could not be read."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A witness reads the addresses it was given and nothing else: a server that answers with a
    redirect (perhaps to a host inside the witness's own network) is refused, not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.URLError(f"redirected ({code}) to {newurl}: a witness does not follow redirects")


_OPENER = urllib.request.build_opener(_NoRedirects)


def fetch(url: str) -> bytes:
    """GET ``url`` and return its body (http and https only, no redirects)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http:// and https:// addresses can be fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "deliberate-witness",
                                                   "Accept": "application/x-ndjson, */*"})
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:  # noqa: S310 (scheme checked)
            body = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise FetchError(f"{url}: {getattr(error, 'reason', error)}") from None
    if len(body) > MAX_BYTES:
        raise FetchError(f"{url}: larger than {MAX_BYTES} bytes")
    return body


def base_of(log_url: str) -> str:
    """The site's root for a log address: ``https://x.org/net/witness.jsonl`` -> ``https://x.org/net``."""
    parts = urllib.parse.urlsplit(log_url)
    path = parts.path.rsplit("/", 1)[0]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def record_url(log_url: str, entry: dict[str, Any]) -> str:
    """Where a vote's (or a formal objection's) record is: its path on the log's own site (never another host)."""
    address = base_of(log_url) + str(entry["payload"]["record_url"])
    if urllib.parse.urlsplit(address)[:2] != urllib.parse.urlsplit(log_url)[:2]:
        raise FetchError(f"{address}: not on the log's own site")
    return address


def check_record(entry: dict[str, Any], body: bytes) -> list[str]:
    """What is wrong with a vote's published record, given its witness entry (empty: nothing)."""
    vote = entry["payload"]["vote_id"]
    try:
        records = ledger.loads_jsonl(body)
    except ledger.LedgerError as error:
        return [f"vote {vote}: its record cannot be read: {error}"]
    report = ledger.verify(records)
    problems = [f"vote {vote}: {problem}" for problem in report.problems]
    last = records[-1].get("hash") if records else None
    if last != entry["payload"]["record_head"]:
        problems.append(f"vote {vote}: its published record ends in {str(last)[:16]}…, but witness entry "
                        f"{entry['seq']} says it ended in {entry['payload']['record_head'][:16]}… "
                        f"(the record was changed after the vote ended)")
    return problems


def check_objection_record(entry: dict[str, Any], body: bytes) -> list[str]:
    """What is wrong with a formal objection's published record, given its witness entry: the
    record verifies, holds the witnessed hash, and only minority opinions follow it (the one step
    the council may take after the end)."""
    objection = entry["payload"]["objection_id"]
    try:
        records = objection_record.loads(body)
    except objection_record.RecordError as error:
        return [f"formal objection {objection}: its record cannot be read: {error}"]
    problems = [f"formal objection {objection}: {problem}" for problem in objection_record.verify(records)]
    head = entry["payload"]["record_head"]
    at = next((i for i, step in enumerate(records) if step.get("hash") == head), None)
    if at is None:
        problems.append(f"formal objection {objection}: its published record does not hold {head[:16]}…, the "
                        f"hash witness entry {entry['seq']} says it ended in (the record was changed after it ended)")
    elif any(step.get("kind") != "minority_opinion" for step in records[at + 1:]):
        problems.append(f"formal objection {objection}: steps other than minority opinions follow the end "
                        f"witness entry {entry['seq']} names")
    return problems


def _read_state(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    kept = chain.loads(path.read_bytes())
    if not kept:
        # A first run writes at least the log it saw; an empty copy is damage, not a first run
        # (trusting the log afresh would let a rewrite through).
        raise chain.WitnessError("the kept copy is empty: restore it from a backup, or remove it to start afresh")
    return kept


def _write_state(path: Path, entries: Sequence[dict[str, Any]]) -> None:
    """Replace the kept copy atomically (a crash leaves the old copy or the new, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".witness-", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(chain.dumps(entries))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        directory = os.open(str(path.parent), os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself reaches the disk
        finally:
            os.close(directory)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run(url: str, state: Path, *, fetcher: Fetcher = fetch, out: TextIO = sys.stdout,
        err: TextIO = sys.stderr, only_new: bool = False) -> int:
    """Check the log at ``url`` against the copy kept in ``state``; see the module's docstring."""
    try:
        kept = _read_state(state)
    except (OSError, chain.WitnessError) as error:
        print(f"cannot read the kept copy {state}: {error}", file=err)
        return UNREACHABLE
    try:
        entries = chain.loads(fetcher(url))
    except FetchError as error:
        print(f"cannot fetch the witness log: {error}", file=err)
        return UNREACHABLE
    except chain.WitnessError as error:
        print(f"the witness log at {url} cannot be read: {error}", file=err)
        return FAILED
    differs = chain.first_difference(kept, entries)
    if differs is not None:
        if differs >= len(entries):
            what = (f"the log now has {len(entries)} entries, fewer than the {len(kept)} kept earlier: "
                    f"entries from seq {differs} on were removed")
        else:
            what = f"entry seq {differs} is not the one kept earlier"
        print(f"HISTORY WAS REWRITTEN: {what}. The copy kept in {state} is no longer the beginning of the "
              f"log at {url}. Keep that copy as evidence; it is not replaced.", file=err)
        return REWRITTEN
    problems = chain.verify(entries)
    if problems:
        print(f"the witness log at {url} does not verify:", file=err)
        for problem in problems:
            print(f"  {problem}", file=err)
        return FAILED
    # Every record, every run: a record rewritten after an earlier run shows only that way. With
    # --only-new, just the records of entries added since the kept copy.
    checked = [e for e in entries[len(kept) if only_new else 0:] if e["kind"] in ("vote", "objection")]
    votes = [e for e in checked if e["kind"] == "vote"]
    failures: list[str] = []
    for entry in checked:
        try:
            body = fetcher(record_url(url, entry))
        except FetchError as error:
            what = "vote" if entry["kind"] == "vote" else "formal objection"
            print(f"cannot fetch the record of {what} {entry['ref']}: {error}", file=err)
            return UNREACHABLE
        failures += check_record(entry, body) if entry["kind"] == "vote" else check_objection_record(entry, body)
    if failures:
        print(f"{len(failures)} problem(s) in the published records:", file=err)
        for problem in failures:
            print(f"  {problem}", file=err)
        return FAILED
    _write_state(state, entries)
    head = chain.head(entries)
    objections = len(checked) - len(votes)
    print(f"OK: {len(entries)} entries ({len(entries) - len(kept)} new), head {head}; "
          f"{len(votes)} ballot record(s) checked"
          + (f", {objections} formal objection record(s)" if objections else "") + f". Kept in {state}.", file=out)
    later = chain.unknown_kinds(entries)
    if later:
        count, kinds = sum(later.values()), ", ".join(sorted(later))
        print(f"{count} entry of a kind this version does not know ({kinds}): its place in the chain is checked, "
              f"not its content; a newer deliberate checks it." if count == 1 else
              f"{count} entries of kinds this version does not know ({kinds}): their place in the chain is "
              f"checked, not their content; a newer deliberate checks them.", file=out)
    return OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deliberate witness",
        description="Check a Deliberate network's witness log: it only grew since the copy kept last time, "
                    "its chain holds, and each vote's published record ends in the hash it names.")
    parser.add_argument("url", help="the log's address, e.g. https://standards.example.coop/witness.jsonl")
    parser.add_argument("--state", default=DEFAULT_STATE,
                        help=f"where the copy of the log is kept between runs (default {DEFAULT_STATE})")
    parser.add_argument("--only-new", action="store_true",
                        help="check only the records of votes added since the last run (by default every "
                             "vote's record is checked again)")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["witness"]:  # given the whole command line of `deliberate witness …`
        argv = argv[1:]
    args = parser.parse_args(argv)
    return run(args.url, Path(os.path.expanduser(args.state)), only_new=args.only_new)


if __name__ == "__main__":
    sys.exit(main())
