# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate demo lint audit messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) -m alembic upgrade head

demo: migrate
	$(PY) -m app.cli demo

# Plain HTTP on loopback for development, so the session cookie cannot carry the Secure flag.
run: demo
	@echo "Serving http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	MRK_COOKIE_SECURE=false $(PY) -m uvicorn app.main:create_app --factory --host $(HOST) --port $(PORT) \
		--timeout-graceful-shutdown 3

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(PY) -m ruff check app tests bench migrations/env.py
	$(PY) -m ruff format --check app tests bench migrations/env.py
	$(PY) -m mypy app

# Known vulnerabilities (OSV's database) in what the project installs; --strict fails when a
# dependency cannot be checked. Not PyPI's JSON service: a mirror without vulnerability data
# would answer "none found".
audit: install-dev
	$(PY) -m pip_audit --vulnerability-service osv --strict --skip-editable --progress-spinner off

# Re-extract messages after changing user-visible text; then translate the new Thai entries.
messages: install-dev
	$(PY) -m babel.messages.frontend extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k N_ \
		--no-location --sort-output --omit-header -o locales/messages.pot .
	$(PY) -m babel.messages.frontend update -i locales/messages.pot -d locales -D messages \
		--ignore-obsolete --no-fuzzy-matching --width 100

clean:
	rm -rf $(VENV) data .pytest_cache
