"""Issue 16: the no-install route to `deliberate verify` (docs/ballot-record.md, "What a co-op can check
itself"): from a copy of the source, with a Python that has nothing installed, on records the app really
exported (the demo network's closed votes, a secret vote, the changelog of a ratified standard)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.members.models import Cooperative, Person
from deliberate.voting import closing, ledger
from deliberate.voting import services as voting
from deliberate.voting.models import Ballot, Vote

ROOT = Path(__file__).resolve().parents[2]
SLUG = "platform-co-op-principles"


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """python3 of a new virtualenv with nothing installed in it (not even pip)."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    return venv / "bin" / "python3"


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    """A copy of the source as a co-op would download it: the package folder, nothing installed."""
    folder = tmp_path_factory.mktemp("source")
    shutil.copytree(ROOT / "deliberate", folder / "deliberate", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`python3 -m deliberate.verify_cli ARGS` from the source folder, in an environment that points
    at nothing installed."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "HOME": str(cwd), "LC_ALL": "C.UTF-8"}
    return subprocess.run([str(python), "-m", "deliberate.verify_cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_bare_python_has_no_packages(bare_python, source_copy):
    # Otherwise the tests below would prove nothing: no Flask, and no diff_match_patch.
    for module in ("flask", "diff_match_patch", "sqlalchemy"):
        probe = subprocess.run([str(bare_python), "-c", f"import {module}"], cwd=source_copy, capture_output=True,
                               env={"PATH": "/usr/bin:/bin"}, timeout=60, check=False)
        assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr.decode(), module


@pytest.fixture
def exported(app, client, tmp_path):
    """The demo network, plus a closed secret vote; every closed vote's record and the standard's
    changelog downloaded as an observer would, into tmp_path/records and tmp_path/changelog.jsonl."""
    from deliberate.seed import seed

    seed()
    steward = db.session.scalar(db.select(Person).where(Person.email == "steward@example.org"))
    # The demo's admission vote on Coop Courses is still open: a secret one on a new applicant, closed.
    from deliberate.members import services as members

    newcomer = members.register_coop(actor=steward, name="Verifier Test Co-op", country="PT", kind="platform")
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=newcomer.id, rule_preset="simple-majority",
                            secret=True, closes_at=utcnow() + timedelta(days=7))
    for email, coop in (("amara@example.org", "Kazi Riders"), ("lucia@example.org", "Dades Comunes")):
        person = db.session.scalar(db.select(Person).where(Person.email == email))
        voting.cast_ballot(actor=person, vote=vote, coop=db.session.scalar(db.select(Cooperative).where(
            Cooperative.name == coop)), choice="for")
    closing.close_vote(actor=steward, vote=vote)

    records = tmp_path / "records"
    records.mkdir()
    closed = db.session.scalars(db.select(Vote).where(Vote.state == "closed").order_by(Vote.id)).all()
    for each in closed:
        response = client.get(f"/votes/{each.id}/record.jsonl")
        assert response.status_code == 200, each.id
        (records / f"vote-{each.id}.jsonl").write_bytes(response.data)
    response = client.get(f"/standards/{SLUG}/changelog.jsonl")
    assert response.status_code == 200
    (tmp_path / "changelog.jsonl").write_bytes(response.data)
    secret = db.session.get(Vote, vote.id)
    receipt = db.session.scalars(db.select(Ballot.receipt_hash).where(Ballot.vote_id == secret.id)).first()
    return {"records": records, "changelog": tmp_path / "changelog.jsonl", "closed": closed, "secret": secret,
            "receipt": receipt}


def test_records_changelog_and_receipts_verify_with_the_standard_library_alone(exported, bare_python, source_copy, tmp_path):
    """OK and exit 0 for every exported record, a receipt and the changelog; exit 1 for an absent
    receipt and for a tampered record or changelog. (One test: the demo network takes a while.)"""
    records, closed = exported["records"], exported["closed"]
    kinds = {ledger.loads_jsonl((records / f"vote-{v.id}.jsonl").read_bytes())[0]["data"]["rule"]["method"] for v in closed}
    assert len(closed) >= 4 and {"ranked", "majority"} <= kinds, kinds  # several counting methods, imported lazily
    for each in closed:
        done = run(bare_python, source_copy, "verify", str(records / f"vote-{each.id}.jsonl"))
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith(f"OK: vote {each.id}"), done.stdout

    secret, receipt = exported["secret"], exported["receipt"]
    assert secret.secret and receipt
    done = run(bare_python, source_copy, "verify", str(records / f"vote-{secret.id}.jsonl"), "--receipt", receipt)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the co-op's counted ballot" in done.stdout
    absent = run(bare_python, source_copy, "verify", str(records / f"vote-{secret.id}.jsonl"), "--receipt", "ab" * 32)
    assert absent.returncode == 1 and "NOT FOUND" in absent.stdout, absent.stdout + absent.stderr

    done = run(bare_python, source_copy, "verify", str(exported["changelog"]), "--records", str(records))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"OK: changelog of {SLUG}") and "ratifying votes' records verifies" in done.stdout

    # The witness client is the other half of the route (it fetches over the network: its help here).
    done = run(bare_python, source_copy, "witness", "--help")
    assert done.returncode == 0 and "--state" in done.stdout, done.stdout + done.stderr

    # And a changed ballot fails (the secret vote's first "for" made "against"), as does a changed changelog.
    text = (records / f"vote-{secret.id}.jsonl").read_text(encoding="utf-8")
    assert text.count('"choice":"for"') == 2
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text(text.replace('"choice":"for"', '"choice":"against"', 1), encoding="utf-8")
    done = run(bare_python, source_copy, "verify", str(tampered))
    assert done.returncode == 1 and done.stdout.startswith("FAILED:"), done.stdout + done.stderr

    changelog = exported["changelog"].read_text(encoding="utf-8")
    forged = tmp_path / "changelog-forged.jsonl"
    forged.write_text(changelog.replace('"summary":"', '"summary":"Not agreed. ', 1), encoding="utf-8")
    done = run(bare_python, source_copy, "verify", str(forged), "--records", str(records))
    assert done.returncode == 1 and done.stdout.startswith("FAILED:"), done.stdout + done.stderr
