"""Shared fixtures: a fresh app and database per test, and factories with sensible defaults.

The database is SQLite (a fresh migrated file per test, copied from a template migrated once)
unless DATABASE_URL points at PostgreSQL, where the schema is migrated once per run and every
table is emptied between tests.
"""
from __future__ import annotations

import gc
import itertools
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from jinja2 import BytecodeCache

# Property tests judge correctness, never speed: a loaded CI machine must not fail them on time.
settings.register_profile("deliberate", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("deliberate")

# The collector's default first threshold (700 new objects) makes a worker, whose heap holds every
# module of the app and its tests, run a collection every few statements: a quarter of the suite's
# time went there. Collections still run, fifty times less often.
gc.set_threshold(50_000, 20, 100)

# The instance folder (generated secret key, SQLite files) of the test run, never the repo's.
_RUN_DIR = Path(tempfile.mkdtemp(prefix="deliberate-tests-"))
os.environ.setdefault("DELIBERATE_INSTANCE", str(_RUN_DIR / "instance"))

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgres")
# Under pytest-xdist each worker gets its own PostgreSQL database (test_gw0, test_gw1, …).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if ON_POSTGRES and WORKER:
    base, _, name = DATABASE_URL.rpartition("/")
    DATABASE_URL = f"{base}/{name}_{WORKER}"


def _ensure_database(url: str) -> None:
    """Create the worker's PostgreSQL database if it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _reuse_werkzeug_rules() -> None:
    """Werkzeug parses each URL rule and writes and compiles a Python function to build its URLs
    each time an app is made (~10 ms an app here, ~1,000 rules), and the suite makes an app per test,
    always with the same rules: compile each distinct rule once. What ``Rule.compile`` leaves on a
    rule depends only on its text, subdomain or host, defaults and the map's converters, which make
    the key; the parts and converters are shared read-only, the builders bound to each rule."""
    from werkzeug.routing.rules import Rule

    compile_rule = Rule.compile
    compiled: dict = {}

    def converters_of(url_map) -> tuple:
        key = getattr(url_map, "_test_converters_key", None)
        if key is None:
            key = url_map._test_converters_key = tuple(sorted(url_map.converters.items()))
        return key

    def compile(self):
        defaults = tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items()))
        key = (self.rule, self.subdomain, self.host, self.merge_slashes, self.map.host_matching, defaults,
               converters_of(self.map))
        kept = compiled.get(key)
        if kept is None:
            compile_rule(self)
            compiled[key] = (self._parts, self._trace, self._converters, frozenset(self.arguments),
                             self._build.__func__, self._build_unknown.__func__)
            return
        parts, trace, converters, arguments, build, build_unknown = kept
        self._parts, self._trace, self._converters = parts, trace, converters
        self.arguments = set(arguments)
        self._build, self._build_unknown = build.__get__(self, None), build_unknown.__get__(self, None)

    Rule.compile = compile


_reuse_werkzeug_rules()


def _share_compiled_statements() -> None:
    """SQLAlchemy compiles each distinct statement once per engine and keeps it in the engine's
    cache, keyed by the engine's dialect; the suite makes an engine per test (an app per test), so
    every test compiled every statement it ran again (about a third of a page test's time). Engines
    of one kind (same driver, same options) share the first one's dialect and compiled cache here,
    as the engine of a long-running process shares them between its requests."""
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.util import LRUCache

    make_engine = SQLAlchemy._make_engine
    shared: dict = {}

    def made(self, bind_key, options, app):
        engine = make_engine(self, bind_key, options, app)
        key = (engine.url.drivername, repr(sorted((k, repr(v)) for k, v in options.items() if k != "url")))
        # A dialect learns the server's version at its engine's first connection (SQLAlchemy's
        # first-connect hook initialises that engine's own dialect): one whose engine never
        # connected is not shared, or the tests after it would reflect with no version (the
        # first tests of a worker running only some directories used to fail so).
        if key not in shared or shared[key][0].server_version_info is None:
            engine._compiled_cache = LRUCache(10_000)
            shared[key] = (engine.dialect, engine._compiled_cache)
        engine.dialect, engine._compiled_cache = shared[key]
        return engine

    SQLAlchemy._make_engine = made


_share_compiled_statements()


class _TemplatesCompiledOnce(BytecodeCache):
    """A Jinja bytecode cache shared by every app of the run.

    Each test makes its own app, and with it a Jinja environment that would parse and compile
    every template it renders again (about a fifth of a page test's time). A bucket's key is the
    template's name and its source's checksum, so an edited template is compiled afresh.
    """

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _TemplatesCompiledOnce()

TEST_PASSWORD = "a long test password"

BASE_CONFIG = {
    "TESTING": True,
    "ENV_NAME": "testing",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "SERVER_NAME": "localhost.test",
    # Cheap hashing keeps the suite fast; tests/unit/test_passwords.py checks the real parameters.
    "ARGON2_MEMORY_KIB": 256,
    "ARGON2_TIME_COST": 1,
}


def _migrate(app) -> None:
    import logging

    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    # Alembic's fileConfig disables existing loggers; tests rely on them.
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False


@pytest.fixture(scope="session")
def database_template():
    """Migrate once per run: a template SQLite file, or the PostgreSQL schema."""
    from deliberate import create_app

    if ON_POSTGRES:
        from sqlalchemy import create_engine, text

        from deliberate.config import normalise_database_url

        _ensure_database(normalise_database_url(DATABASE_URL))
        engine = create_engine(normalise_database_url(DATABASE_URL))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            # A test database need not wait for the disk at each commit (a crash of PostgreSQL
            # itself could lose the last commits; a crash of the app, as the reliability tests
            # make, loses nothing): the suite's commits are most of its time otherwise.
            database = engine.url.database
            conn.execute(text(f'ALTER DATABASE "{database}" SET synchronous_commit = off'))
        engine.dispose()
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": normalise_database_url(DATABASE_URL)})
        _migrate(app)
        _dispose(app)
        return None
    path = _RUN_DIR / "template.sqlite3"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    _migrate(app)
    _dispose(app)
    return path


def _dispose(app) -> None:
    from deliberate.extensions import db

    with app.app_context():
        db.engine.dispose()


_counter = itertools.count()


# The network most tests start from (fixture ``network``) costs about a tenth of a second to build
# through the services, and some 900 tests ask for it. The first test of a worker that asks for it
# builds it and keeps a copy of the database (a file on SQLite, a snapshot of every row on
# PostgreSQL) with the people's ids and the factories' numbering; later tests start from that copy,
# exactly as if they had built it. One copy per distinct ``app_config``.
_NETWORK_COPIES: dict[str, dict] = {}
# What the factories have numbered once the network is built: a copy is kept only if a test built
# the network and nothing else first, so that every copy is the same world.
_NUMBERS_AFTER_NETWORK = {"steward": 2, "coop": 4, "delegate": 3, "standard": 2}


@pytest.fixture
def network_copy(request, app_config):
    """The kept copy of the network for this test, if it asks for ``network`` and one exists."""
    if "network" not in request.fixturenames:
        return None
    return _NETWORK_COPIES.get(_config_key(app_config))


def _config_key(app_config) -> str:
    return repr(sorted(app_config.items()))


@pytest.fixture
def database_url(request, database_template, tmp_path, network_copy):
    if ON_POSTGRES:
        from deliberate.config import normalise_database_url

        return normalise_database_url(DATABASE_URL)
    path = tmp_path / f"db{next(_counter)}.sqlite3"
    if "authz_world" in request.fixturenames:  # a copy of the module's authorization world
        source = request.getfixturevalue("authz_world_file")[0]
    elif "seeded_demo" in request.fixturenames:  # a copy of the run's seeded demo network
        source = request.getfixturevalue("seeded_demo_file")[0]
    elif "kept_world" in request.fixturenames:  # a copy of the world the test's module built once
        source = request.getfixturevalue("kept_world_file")[0]
    else:
        source = network_copy["file"] if network_copy else database_template
    shutil.copyfile(source, path)
    return f"sqlite:///{path}"


EMPTY = ({}, {})


def snapshot_postgres() -> tuple[dict, dict]:
    """Every row of every table, and every sequence's position (inside an app context).

    With ``restore_postgres`` it lets a module build a costly world once and give each test its
    own copy, as SQLite tests do by copying the database file.
    """
    from sqlalchemy import text

    from deliberate.extensions import db

    rows = {table.name: [dict(row) for row in db.session.execute(table.select()).mappings()]
            for table in db.metadata.sorted_tables}
    sequences = dict(db.session.execute(text(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL")).all())
    db.session.rollback()
    return {name: table_rows for name, table_rows in rows.items() if table_rows}, sequences


def restore_postgres(snapshot: tuple[dict, dict]) -> None:
    """Make the database hold exactly ``snapshot`` (inside an app context).

    DELETE is an order of magnitude quicker than TRUNCATE on tables this small (TRUNCATE makes
    new files for every table: ~150 ms a test against ~15 ms). Two tables refer to each other (an
    amendment and its head draft), so foreign-key triggers are off for this transaction (the test
    role is a superuser, as the suite's PostgreSQL set-up makes it).
    """
    from sqlalchemy import text

    from deliberate.extensions import db

    rows, sequences = snapshot
    connection = db.session.connection()
    # One round trip for every DELETE (a script without parameters), then the rows, then one for
    # every sequence: setval(…, 1, false) is RESTART without the DDL.
    connection.exec_driver_sql("SET LOCAL session_replication_role = replica; " + " ".join(
        f'DELETE FROM "{table.name}";' for table in reversed(db.metadata.sorted_tables)))
    for table in db.metadata.sorted_tables:
        if rows.get(table.name):
            db.session.execute(table.insert(), rows[table.name])
    moved = db.session.scalars(text(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL")).all()
    positions = [f"setval('\"{name}\"', {int(sequences[name])})" if name in sequences else f"setval('\"{name}\"', 1, false)"
                 for name in sorted(set(moved) | set(sequences))]
    if positions:
        connection.exec_driver_sql("SELECT " + ", ".join(positions))
    db.session.commit()


@pytest.fixture
def app_config():
    """Override in a test module to change settings."""
    return {}


# The test network's rules for amendments: no minimum discussion and no last call, so that a vote
# may open as soon as an amendment is opened (as hundreds of tests do). The phase checks stay on:
# tests of the phases give their standard a policy with phases of its own, or override
# ``amendment_phases`` to return None (the built-in defaults).
TEST_AMENDMENT_PHASES = {"discussion_days": 0, "last_call_days": 0}


@contextmanager
def no_waiting_phases(phases=TEST_AMENDMENT_PHASES):
    """The test network's phases for amendments while building a world outside the ``app`` fixture."""
    from deliberate.voting import policy

    saved = {kind: dict(policy.DEFAULT_PHASES[kind]) for kind in policy.SECTION_KINDS}
    for kind in policy.SECTION_KINDS:
        policy.DEFAULT_PHASES[kind] = {**saved[kind], **phases}
    try:
        yield
    finally:
        policy.DEFAULT_PHASES.update(saved)


@pytest.fixture
def amendment_phases():
    """Override in a test module (None keeps the policy's built-in phases)."""
    return TEST_AMENDMENT_PHASES


@pytest.fixture
def app(database_url, app_config, network_copy, amendment_phases, monkeypatch):
    from deliberate import create_app
    from deliberate.extensions import db
    from deliberate.voting import policy

    if amendment_phases is not None:
        for kind in policy.SECTION_KINDS:
            monkeypatch.setitem(policy.DEFAULT_PHASES, kind, {**policy.DEFAULT_PHASES[kind], **amendment_phases})
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **app_config})
    app.jinja_env.bytecode_cache = _TEMPLATES
    if ON_POSTGRES:
        with app.app_context():
            restore_postgres(network_copy["rows"] if network_copy else EMPTY)

    @app.before_request
    def _forget_the_previous_requests_user():
        # Test requests share the app context this fixture pushes, and with it ``g``: make each
        # request load its user (and its session's CSRF token) afresh, as it does in production.
        from flask import g

        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    ctx.pop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


# Factories ----------------------------------------------------------------------------------

class Numbering:
    """The next number each factory gives (steward1@example.org, Coop 1, Standard 1, …)."""

    def __init__(self, start: dict[str, int] | None = None):
        self.next = {kind: 1 for kind in _NUMBERS_AFTER_NETWORK} | (start or {})

    def take(self, kind: str) -> int:
        self.next[kind] += 1
        return self.next[kind] - 1


@pytest.fixture
def factory_numbers(network_copy):
    """Where the factories' numbering starts: at 1, or after the kept network's people and things."""
    return Numbering(network_copy["numbers"] if network_copy else None)


class Factories:
    """People and things with sensible defaults, numbered by ``numbers`` (steward1@example.org,
    Coop 1, Standard 1, …), made through the services. The ``make_*`` fixtures are its methods; a
    world built once for a module (``build_world_once``) uses it directly."""

    def __init__(self, numbers: Numbering, steward=None):
        self.numbers = numbers
        self._steward = steward

    @property
    def steward(self):
        if self._steward is None:
            self._steward = self.make_steward()
        return self._steward

    def make_steward(self, **overrides):
        from deliberate.members.services import create_steward

        n = self.numbers.take("steward")
        values = {"email": f"steward{n}@example.org", "name": f"Steward {n}", "password": TEST_PASSWORD}
        values.update(overrides)
        return create_steward(**values)

    def make_coop(self, status="member", **overrides):
        from deliberate.members import services

        n = self.numbers.take("coop")
        values = {"name": f"Coop {n}", "country": "ES", "kind": "worker"}
        values.update(overrides)
        coop = services.register_coop(actor=self.steward, **values)
        if status in ("member", "suspended", "left"):
            coop = services.change_coop_status(actor=self.steward, coop=coop, status="member")
        if status in ("suspended", "left"):
            coop = services.change_coop_status(actor=self.steward, coop=coop, status=status)
        return coop

    def make_delegate(self, coop=None, **overrides):
        from deliberate.members import services

        n = self.numbers.take("delegate")
        coop = coop or self.make_coop()
        values = {"name": f"Delegate {n}", "email": f"delegate{n}@example.org", "password": TEST_PASSWORD}
        values.update(overrides)
        _invitation, token = services.invite_delegate(actor=self.steward, coop=coop)
        return services.accept_invitation(token=token, **values)

    def make_standard(self, sections=None, **overrides):
        from deliberate.standards import services

        n = self.numbers.take("standard")
        values = {"title": f"Standard {n}", "summary": "What we hold in common."}
        values.update(overrides)
        if sections is None:
            sections = [("Member ownership", "Members own the platform."),
                        ("Data rights", "Members own their data.\n\nThey can download it.")]
        return services.create_standard(actor=self.steward, sections=sections, **values)

    def make_network(self) -> dict[str, int]:
        """The small network of the ``network`` fixture; returns its ids."""
        from deliberate.members.services import change_coop_status

        member = self.make_coop(name="Kazi Riders")
        suspended = self.make_coop(name="Quiet Co-op")
        applicant = self.make_coop("applicant", name="New Co-op")
        delegate = self.make_delegate(coop=member, email="delegate@example.org")
        suspended_delegate = self.make_delegate(coop=suspended, email="suspended@example.org")
        change_coop_status(actor=self.steward, coop=suspended, status="suspended")
        standard = self.make_standard(title="Platform Co-op Principles")
        return {"steward": self.steward.id, "delegate": delegate.id, "suspended_delegate": suspended_delegate.id,
                "member": member.id, "suspended": suspended.id, "applicant": applicant.id, "standard": standard.id}


@pytest.fixture
def make_steward(app, factory_numbers):
    return Factories(factory_numbers).make_steward


@pytest.fixture
def steward(make_steward, network_copy):
    if network_copy:
        from deliberate.extensions import db
        from deliberate.members.models import Person

        return db.session.get(Person, network_copy["ids"]["steward"])
    return make_steward()


@pytest.fixture
def factories(app, factory_numbers, steward) -> Factories:
    return Factories(factory_numbers, steward)


@pytest.fixture
def make_coop(factories):
    return factories.make_coop


@pytest.fixture
def make_delegate(factories):
    return factories.make_delegate


@pytest.fixture
def make_standard(factories):
    return factories.make_standard


@pytest.fixture
def login(client):
    """Sign ``person`` in through the real form; returns the client."""

    def do(person, password=TEST_PASSWORD, test_client=None):
        c = test_client or client
        response = c.post("/signin", data={"email": person.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return do

@pytest.fixture
def network(app_config, network_copy, factory_numbers, factories):
    """A small network: a member co-op with a delegate, a suspended co-op with one, an applicant."""
    if network_copy:
        return _load_network(network_copy["ids"])
    ids = factories.make_network()
    if _config_key(app_config) not in _NETWORK_COPIES and _only_the_network(factory_numbers):
        _NETWORK_COPIES[_config_key(app_config)] = _keep_network(ids, dict(factory_numbers.next))
    return _load_network(ids)


def _only_the_network(factory_numbers: Numbering) -> bool:
    """Whether the database holds the network and nothing else (no fixture made more before it)."""
    from sqlalchemy import func, select

    from deliberate.extensions import db
    from deliberate.members.models import Cooperative, Person
    from deliberate.standards.models import Standard

    counts = [db.session.scalar(select(func.count()).select_from(model)) for model in (Person, Cooperative, Standard)]
    return factory_numbers.next == _NUMBERS_AFTER_NETWORK and counts == [3, 3, 1]


def _keep_network(ids: dict, numbers: dict) -> dict:
    """A copy of the database as the network left it, with its ids and the factories' numbering."""
    import sqlite3
    from contextlib import closing

    from deliberate.extensions import db

    db.session.commit()
    kept = {"ids": ids, "numbers": numbers}
    if ON_POSTGRES:
        kept["rows"] = snapshot_postgres()
        return kept
    kept["file"] = _RUN_DIR / f"network-{WORKER or 'main'}-{len(_NETWORK_COPIES)}.sqlite3"
    # SQLite's online backup: the copy holds every committed row, the write-ahead log's included.
    with closing(sqlite3.connect(db.engine.url.database)) as source, closing(sqlite3.connect(kept["file"])) as copy:
        source.backup(copy)
    return kept


def _load_network(ids: dict) -> dict:
    """The network's people, co-ops and standard, by their ids."""
    from deliberate.extensions import db
    from deliberate.members.models import Cooperative, Person
    from deliberate.standards.models import Standard

    network = {name: db.session.get(Person, ids[name]) for name in ("steward", "delegate", "suspended_delegate")}
    network.update({name: db.session.get(Cooperative, ids[name]) for name in ("member", "suspended", "applicant")})
    network["standard"] = db.session.get(Standard, ids["standard"])
    network["section"] = network["standard"].sections[0]
    return network


@pytest.fixture
def as_role(app, network, login):
    """A test client signed in as ``role`` (``observer`` stays anonymous)."""

    def make(role):
        client = app.test_client()
        if role != "observer":
            login(network[role], test_client=client)
        return client

    return make


# The authorization matrices' world (tests/authz_world.py) --------------------------------------

def build_world_once(database_template, tmp_path_factory, build, name: str):
    """A world slow to build, built once (per module) for tests to copy: ``(path, world)`` on SQLite,
    the database file it lives in; ``(snapshot, world)`` on PostgreSQL, a snapshot of its rows."""
    from deliberate import create_app
    from deliberate.extensions import db

    if ON_POSTGRES:
        from deliberate.config import normalise_database_url

        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": normalise_database_url(DATABASE_URL)})
        with app.app_context():
            restore_postgres(EMPTY)
            with no_waiting_phases():
                world = build()
            snapshot = snapshot_postgres()
            db.session.remove()
            db.engine.dispose()
        return snapshot, world
    path = tmp_path_factory.mktemp(name) / f"{name}.sqlite3"
    shutil.copyfile(database_template, path)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context(), no_waiting_phases():
        world = build()
        db.session.remove()
        db.engine.dispose()
    return path, world


@pytest.fixture(scope="module")
def authz_world_file(database_template, tmp_path_factory):
    """The world is built once per module and copied for each test (it is slow to build): as a
    database file on SQLite, as a snapshot of its rows on PostgreSQL."""
    from tests.authz_world import build_world

    return build_world_once(database_template, tmp_path_factory, build_world, "world")


@pytest.fixture
def authz_world(app, authz_world_file):
    """The ids, slugs and emails of the authorization world, in a database of the test's own (the
    ``database_url`` fixture copies the world's file on SQLite; it is restored here on PostgreSQL)."""
    if ON_POSTGRES:
        restore_postgres(authz_world_file[0])
    return authz_world_file[1]


@pytest.fixture
def authz_client(app, authz_world):
    """A test client signed in through the real form as a role of the authorization world
    (``observer`` stays anonymous)."""

    def make(role):
        client = app.test_client()
        if role != "observer":
            signed_in = client.post("/signin", data={"email": authz_world["emails"][role], "password": TEST_PASSWORD})
            assert signed_in.status_code == 302, role
        return client

    return make


# A module's own world, built once -----------------------------------------------------------------

@pytest.fixture(scope="module")
def kept_world_file():
    """A module that builds a costly world for each of its tests overrides this (module scope) with
    ``build_world_once(database_template, tmp_path_factory, build, name)`` and asks for
    ``kept_world``: each test then starts from a copy of it."""
    raise NotImplementedError("override kept_world_file in the test module")


@pytest.fixture
def kept_world(app, kept_world_file):
    """What the module's ``build`` returned, in a database of the test's own (the ``database_url``
    fixture copies the world's file on SQLite; its rows are restored here on PostgreSQL)."""
    if ON_POSTGRES:
        restore_postgres(kept_world_file[0])
    return kept_world_file[1]


# The demo network (deliberate.seed.seed, with every feature's story) ---------------------------

@pytest.fixture(scope="session")
def seeded_demo_file(database_template, tmp_path_factory):
    """``seed()`` run once per worker (it takes seconds: every feature adds its story), kept as a
    database file on SQLite, as a snapshot of its rows on PostgreSQL."""
    from deliberate.seed import seed

    return build_world_once(database_template, tmp_path_factory, lambda: seed() or {}, "seeded")


@pytest.fixture
def seeded_demo(app, seeded_demo_file):
    """The app, its database holding the demo network exactly as ``seed()`` leaves it (a copy of the
    worker's seeded database: the ``database_url`` fixture copies the file on SQLite; the rows are
    restored here on PostgreSQL)."""
    if ON_POSTGRES:
        restore_postgres(seeded_demo_file[0])
    return app
