# Deliberate: `make run` serves the demo on http://127.0.0.1:5000, `make test` lints and runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app deliberate
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
VENDOR := deliberate/static/vendor

.PHONY: run lint test test-sqlite test-postgres bench lock services chromium pg-client nginx wrk vendor clean translations compile-translations

run: $(VENV)/.installed vendor compile-translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(BIN)/python -m deliberate.serve

# Hash-checked installs from the lock files (`make lock`): a package whose file does not match its hash
# is refused. The project itself goes in editable with --no-deps (its dependencies are all in the lock,
# and a local path has no hash to check).
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements.txt
	$(PIP) install --no-deps -e .
	touch $@

# Both files in one install: the development tree shares some packages (same pins) with the runtime one.
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

vendor: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/
	rm -f $(VENDOR)/axe.min.js  # axe-core is for the tests only: they read it from node_modules, it is never served
	{ echo '(function () { var module = { exports: {} };'; cat node_modules/diff-match-patch/index.js; \
	  echo 'window.diff_match_patch = diff_match_patch; })();'; } > $(VENDOR)/diff_match_patch.js

# Interface translations (docs/translating.md). `translations` re-extracts every string into messages.pot
# and merges new ones into each language's .po; `compile-translations` builds the .mo files the app reads.
BABEL := $(BIN)/pybabel
TRANSLATIONS := deliberate/translations
EXTRACT := $(BABEL) extract -F babel.cfg -k _l -k N_ -k M_ -k MN_:1,2 -k lazy_gettext -k lazy_ngettext:1,2 --add-location=file --sort-by-file \
	--no-wrap --project Deliberate --copyright-holder "Deliberate contributors" --msgid-bugs-address "" -o messages.pot .

translations: $(VENV)/.installed
	$(EXTRACT)
	$(BABEL) update -i messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching --ignore-obsolete

compile-translations: $(VENV)/.installed
	$(BABEL) compile -d $(TRANSLATIONS) --statistics

chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# pg_dump and pg_restore, for the PostgreSQL backup-and-restore test (tests/integration/test_backup.py).
pg-client:
	@pg_dump --version >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }

# Debian's nginx, for tests/stack (the production stack, run as the test's own nginx instance).
nginx:
	@PATH="$$PATH:/usr/sbin" command -v nginx >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

# Debian's wrk, the HTTP load generator of bench/pages.py (without it a Python one runs, which is
# slower than the server it measures).
wrk:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

services:
	@bash scripts/services.sh

# Lint (configuration in pyproject.toml): any finding fails `make test` before a test runs.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: lint $(VENV)/.installed-dev vendor chromium pg-client nginx services compile-translations
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# Two workers: one per core. Each has its own SQLite files and its own PostgreSQL database. The
# tests' files (SQLite databases, instance folders, browser profiles) live in memory where the
# machine has /dev/shm: no test then waits for the disk at a commit.
TEST_TMPDIR := $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo /tmp)
PYTEST := TMPDIR=$(TEST_TMPDIR) $(BIN)/python -m pytest -n 2 --dist loadfile --durations=20

test-sqlite:
	$(PYTEST)

# The database-facing layers again, on PostgreSQL.
test-postgres:
	DATABASE_URL=$(PG_URL) $(PYTEST) -m "not browser and not db_independent" tests/integration tests/web tests/realtime tests/reliability

# Every bench in turn, each one's output kept in bench/results/NAME.log, then one table of every
# figure against its target (bench/summary.py reads each log's last JSON line).
BENCH_RESULTS := bench/results
bench: $(VENV)/.installed-dev vendor nginx wrk services
	@mkdir -p $(BENCH_RESULTS); rm -f $(BENCH_RESULTS)/*.log; status=0; \
	for script in bench/*.py; do \
	  name=$$(basename $$script .py); [ "$$name" = summary ] && continue; \
	  echo "== $$script"; \
	  { $(BIN)/python $$script 2>&1 || echo "$$script exited with status $$?"; } | tee $(BENCH_RESULTS)/$$name.log; \
	done; \
	echo "== summary"; $(BIN)/python bench/summary.py $(BENCH_RESULTS)/*.log || status=1; exit $$status

# The lock files, from pyproject.toml (runtime, both extras) and requirements-dev.in: every package pinned
# with its hashes (pip-tools; options in pyproject.toml's [tool.pip-tools]). Existing pins are kept:
# `make lock LOCK_ARGS=--upgrade` moves them all, `make lock LOCK_ARGS="-P flask"` one.
LOCK = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile -q $(LOCK_ARGS)
lock: | $(VENV)/.installed-dev
	$(LOCK) --extra postgres --extra redis -o requirements.txt pyproject.toml
	$(LOCK) -o requirements-dev.txt requirements-dev.in

# A wheel in dist/ with the templates, static files (vendored scripts included), translations and
# migrations: `pip install dist/deliberate-*.whl` (docs/deployment.md, "Installing the package").
.PHONY: wheel
wheel: $(VENV)/.installed vendor compile-translations
	rm -f dist/deliberate-*.whl
	$(PIP) wheel --no-deps -w dist .

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache
