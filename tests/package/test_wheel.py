"""Issue 20, "runs for real": the wheel carries what the app needs, installs with its locked dependencies
into a new virtualenv, and runs from there, outside the checkout: `flask --app deliberate db upgrade`,
`seed-demo`, gunicorn serving pages (templates, translations) and static files (the vendored scripts),
and the `deliberate verify` console script. Slow (it builds and installs): about 40 to 60 s with pip's
cache warm, most of it pip."""
from __future__ import annotations

import ast
import email.parser
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "deliberate"
VENDORED = PACKAGE / "static" / "vendor" / "socket.io.min.js"
COMPILED = sorted((PACKAGE / "translations").glob("*/LC_MESSAGES/messages.mo"))
NOT_SHIPPED = {"axe.min.js"}  # axe-core is a test tool

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip()).group(0))


def pip(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """This virtualenv's pip (with its cache and the machine's pip settings)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"pip {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


class Timer:
    """How long each step took, printed at the end (pytest -rP shows it)."""

    def __init__(self):
        self.steps: list[tuple[str, float]] = []
        self.last = time.monotonic()

    def step(self, name: str) -> None:
        now = time.monotonic()
        self.steps.append((name, now - self.last))
        self.last = now


@pytest.fixture(scope="module")
def timer():
    timer = Timer()
    yield timer
    print("wheel test timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timer.steps))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, timer) -> Path:
    """The wheel built from a copy of the checkout (so the build leaves nothing in it)."""
    if not VENDORED.exists():
        pytest.fail(f"{VENDORED.relative_to(ROOT)} is missing: run `make vendor` (make test does) before building a wheel")
    if not COMPILED:
        pytest.fail("no compiled translations (.mo): run `make compile-translations` (make test does)")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(PACKAGE, source / "deliberate", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", *[p.name for p in ROOT.glob("LICEN[CS]E*")]):
        shutil.copy2(ROOT / name, source / name)
    pip("wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source))
    (built,) = (work / "dist").glob("deliberate-*.whl")
    timer.step("build the wheel")
    return built


def test_the_wheel_carries_templates_static_files_translations_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"deliberate/templates/base.html", "deliberate/static/vendor/socket.io.min.js",
                "deliberate/static/vendor/diff_match_patch.js", "deliberate/static/css/app.css",
                "deliberate/migrations/alembic.ini", "deliberate/migrations/script.py.mako", "deliberate/migrations/env.py",
                "deliberate/migrations/append_only.py"}
    assert expected <= names, expected - names
    # Every template, static file, catalogue and migration of the checkout, except what is never shipped.
    for folder, pattern in (("templates", "**/*"), ("static", "**/*"), ("translations", "*/LC_MESSAGES/messages.[mp]o"),
                            ("migrations/versions", "*.py")):
        files = {f"deliberate/{p.relative_to(PACKAGE).as_posix()}" for p in (PACKAGE / folder).glob(pattern)
                 if p.is_file() and p.name not in NOT_SHIPPED and "__pycache__" not in p.parts}
        assert files and files <= names, (folder, sorted(files - names))
    assert {f"deliberate/{p.relative_to(PACKAGE).as_posix()}" for p in COMPILED} <= names
    # Never: the test-only axe-core (even when `make vendor` put it beside the others), tests, bytecode.
    assert not [n for n in names if Path(n).name in NOT_SHIPPED or n.startswith("tests/") or "/tests/" in n
                or n.endswith(".pyc") or "__pycache__" in n]


def test_the_wheel_requires_every_dependency(wheel):
    metadata = email.parser.Parser().parsestr(zipfile.ZipFile(wheel).read(
        next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA"))).decode())
    assert metadata["License-Expression"] == "AGPL-3.0-or-later"
    required = {requirement_name(r) for r in metadata.get_all("Requires-Dist")}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {requirement_name(r) for r in project["dependencies"]}
    declared |= {requirement_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    assert declared <= required, declared - required
    # The lock pins every one of them.
    locked = {canonical(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", (ROOT / "requirements.txt").read_text(), re.M)}
    assert required <= locked, required - locked
    # And every package the code imports is a declared dependency (by its import name).
    imported = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {name for name in imported - set(sys.stdlib_module_names) if name not in ("deliberate", "__future__")}
    from importlib.metadata import packages_distributions

    providers = packages_distributions()
    missing = {name: providers.get(name) for name in third_party
               if not {canonical(d) for d in providers.get(name, [])} & required}
    assert not missing, f"imported but not in the wheel's Requires-Dist: {missing}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_installed_from_the_lock_it_migrates_seeds_and_serves_outside_the_checkout(wheel, tmp_path, timer):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # The locked tree, hash-checked, then the project without dependencies (as `make` installs it).
    pip("--python", str(python), "install", "-q", "--require-hashes", "-r", str(ROOT / "requirements.txt"))
    pip("--python", str(python), "install", "-q", "--no-deps", str(wheel))
    pip("--python", str(python), "check")  # the lock satisfies every Requires-Dist
    timer.step("install from the lock")
    site_packages = Path(subprocess.run([str(python), "-c", "import deliberate, os; print(os.path.dirname(deliberate.__file__))"],
                                        capture_output=True, text=True, check=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}).stdout.strip())
    assert site_packages.is_relative_to(venv) and not site_packages.is_relative_to(ROOT)

    # Outside the checkout, with a clean environment: no DELIBERATE_INSTANCE, no DATABASE_URL.
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8",
           "DELIBERATE_ENV": "production", "SECRET_KEY": "wheel-test-" + "k" * 40}

    def flask(*args: str) -> str:
        done = subprocess.run([str(venv / "bin" / "flask"), "--app", "deliberate", *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    flask("db", "upgrade")
    # The instance folder is beside the virtualenv's packages, never inside them.
    instance = venv / "var" / "deliberate-instance"
    database = instance / "deliberate.sqlite3"
    assert database.is_file()
    assert not (site_packages / "instance").exists() and not (site_packages.parent / "instance").exists()
    assert "steward@example.org" in flask("seed-demo")
    timer.step("db upgrade and seed-demo")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen([str(venv / "bin" / "gunicorn"), "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
                                   "deliberate:create_app()"], cwd=work, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, page = fetch(base + "/")
                break
            except OSError:
                assert server.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, "gunicorn did not answer in 90 s:\n" + log.read_text(errors="replace")
                time.sleep(0.3)
        timer.step("gunicorn answers")
        assert status == 200 and b"<title>" in page and b"Platform Co-op Principles" in page
        status, page = fetch(base + "/standards/platform-co-op-principles")
        assert status == 200 and b"Platform Co-op Principles" in page
        # The Spanish catalogue (.mo) is in the wheel and read.
        status, page = fetch(base + "/", **{"Accept-Language": "es"})
        assert status == 200 and b'lang="es"' in page and "Inicio".encode() in page
        # Static files, the vendored ones included, exactly as in the checkout.
        status, body = fetch(base + "/static/vendor/socket.io.min.js")
        assert status == 200 and body == VENDORED.read_bytes()
        status, body = fetch(base + "/static/css/app.css")
        assert status == 200 and body == (PACKAGE / "static" / "css" / "app.css").read_bytes()
        assert fetch(base + "/static/vendor/axe.min.js")[0] == 404
        # A closed vote's record, downloaded and checked with the installed `deliberate verify`.
        with sqlite3.connect(database) as connection:
            (vote_id,) = connection.execute("select id from votes where state = 'closed' order by id limit 1").fetchone()
        status, record = fetch(f"{base}/votes/{vote_id}/record.jsonl")
        assert status == 200
        (work / "vote.jsonl").write_bytes(record)
        done = subprocess.run([str(venv / "bin" / "deliberate"), "verify", "vote.jsonl"], cwd=work, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and done.stdout.startswith(f"OK: vote {vote_id}"), done.stdout + done.stderr
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
    timer.step("pages, static files and verify")
