# Deliberate: `make run` serves the demo on http://127.0.0.1:5000, `make test` lints and runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app deliberate
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
VENDOR := deliberate/static/vendor

.PHONY: run lint test test-sqlite test-postgres bench lock services chromium vendor clean translations compile-translations

run: $(VENV)/.installed vendor compile-translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(BIN)/python -m deliberate.serve

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

vendor: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/
	cp node_modules/axe-core/axe.min.js $(VENDOR)/
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

services:
	@bash scripts/services.sh

# Lint (configuration in pyproject.toml): any finding fails `make test` before a test runs.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: lint $(VENV)/.installed-dev vendor chromium services compile-translations
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# Two workers: one per core. Each has its own SQLite files and its own PostgreSQL database.
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadfile --durations=20

test-sqlite:
	$(PYTEST)

# The database-facing layers again, on PostgreSQL.
test-postgres:
	DATABASE_URL=$(PG_URL) $(PYTEST) -m "not browser" tests/integration tests/web tests/realtime tests/reliability

bench: $(VENV)/.installed-dev vendor services
	@status=0; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || status=1; done; exit $$status

lock:
	$(PYTHON) -m venv /tmp/deliberate-lock && /tmp/deliberate-lock/bin/pip install -q -r requirements.in
	/tmp/deliberate-lock/bin/pip freeze > requirements.txt

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache
