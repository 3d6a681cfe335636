# Quick start: `make demo` runs the portal with the stand-ins; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OIDC := tests/browser/oidc

.PHONY: demo test lint lock browser-deps faults faults-boundaries prometheus-tools messages compiled-messages

# Exactly the locked versions (hashes checked), then the portal itself on top of them.
$(BIN)/.installed: pyproject.toml requirements-test.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# After changing pyproject.toml's dependencies: re-resolve the lock files (the pins that
# still fit are kept; `make lock LOCK_ARGS=--upgrade` takes the newest releases).
lock:
	bash .ci/lock $(LOCK_ARGS)

# The browser tests drive Debian's chromium (never a downloaded browser) and sign in
# through a real OIDC provider that runs under node.
browser-deps: $(OIDC)/node_modules/.package-lock.json
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

$(OIDC)/node_modules/.package-lock.json: $(OIDC)/package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm ci --prefix $(OIDC) --no-audit --no-fund --loglevel=error

# The example alert rules (deploy/prometheus/) are checked and unit-tested with promtool,
# from Debian's prometheus package (nothing is started).
prometheus-tools:
	@command -v promtool >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends prometheus >/dev/null)

# Translations: gettext (Debian's package) extracts and compiles the catalogues under locale/.
# After changing a text: `make messages`, translate the new entries in each django.po.
messages: $(BIN)/.installed
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	PORTAL_DEMO=true $(BIN)/python manage.py makemessages --all --no-location --no-obsolete \
		--ignore=.venv --ignore=tests --ignore=bench --ignore=mocks --ignore=var --ignore='*/node_modules/*'
	PORTAL_DEMO=true $(BIN)/python manage.py compilemessages --ignore=.venv

compiled-messages: $(BIN)/.installed
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	PORTAL_DEMO=true $(BIN)/python manage.py compilemessages --ignore=.venv

# `make demo PORT=8123` (or PORTAL_DEMO_PORT=8123): the portal's port; the stand-ins take
# the five ports after it.
demo: $(BIN)/.installed
	PORTAL_DEMO=true $(BIN)/python manage.py demo $(if $(PORT),--port $(PORT))

test: $(BIN)/.installed browser-deps prometheus-tools compiled-messages
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layer contracts (.importlinter, docs/architecture.md#layers)
	PORTAL_DEMO=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# The fault suite (about 8 minutes; redis-server and PostgreSQL at 127.0.0.1:5432 needed).
faults: $(BIN)/.installed
	$(BIN)/python -m bench.faults $(FAULTS_ARGS)

# The fault suite at the boundaries (issue 22): silent worker hosts, a read-only database,
# MOSIP rejecting packets and dropping credentials, lost country-config calls (~15 minutes).
faults-boundaries: $(BIN)/.installed
	$(BIN)/python -m bench.faults.boundaries $(FAULTS_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layer contracts (.importlinter, docs/architecture.md#layers)
