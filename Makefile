# The two commands of a fresh machine: `make demo` (set up + run the backfill on a generated
# SQLite demo database) and `make test` (set up + run every test; PostgreSQL must be reachable
# on 127.0.0.1:5432, see README). Everything is installed into .venv from pyproject.toml; the
# Prisma harness of the tests (tests/prisma) from npm, with `npm ci` from its lock file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-prisma demo test lint bench

PRISMA := tests/prisma
PRISMA_STAMP := $(PRISMA)/node_modules/.installed

# `setup` installs the Prisma harness too when Node.js and npm are there; `make demo` works
# without them, `make test` does not (setup-prisma fails with the reason).
setup: $(VENV)/.installed
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory -s setup-prisma; \
	else \
		echo "note: node/npm not found: the Prisma harness ($(PRISMA)) is not installed;" \
			"make test needs it (apt-get install nodejs npm)" >&2; \
	fi

# Only when the lock (or package.json) changed. --ignore-scripts: no install script may fetch
# Prisma's native engines; the harness runs without them.
setup-prisma: $(PRISMA_STAMP)

$(PRISMA_STAMP): $(PRISMA)/package.json $(PRISMA)/package-lock.json
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
		echo "error: Node.js and npm are needed for the Prisma harness ($(PRISMA)):" \
			"apt-get install nodejs npm (.ci/run does it), then make test" >&2; exit 1; }
	cd $(PRISMA) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/v2-backfill demo

test: setup setup-prisma
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
