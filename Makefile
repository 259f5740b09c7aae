# Forcerank: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs every check.
# Both set up what they need first: the virtualenv (.venv) from the hashed lock files and,
# for the browser tests, Debian's Chromium.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ADDRESS ?= 127.0.0.1:8000
# Links in e-mails point where `make run` serves, unless SITE_URL says otherwise.
SITE_URL ?= http://$(ADDRESS)
CHROMIUM_PATH ?= /usr/bin/chromium
export CHROMIUM_PATH

# Under CI the tests run against the real services (.ci/services brings them up).
ifeq ($(CI),true)
DATABASE_URL ?= postgres://forcerank:forcerank@127.0.0.1:5432/forcerank
CELERY_BROKER_URL ?= redis://127.0.0.1:6379/15
export DATABASE_URL CELERY_BROKER_URL
endif

.DEFAULT_GOAL := help
.PHONY: help run sso-mock crm-fake test lint format migrations-check chromium services deps lock bench loadtest clean

help:
	@echo "make run    install, migrate, load the demo company and serve http://$(ADDRESS)"
	@echo "make sso-mock  a local identity provider for trying company sign-in (see README)"
	@echo "make crm-fake  a fake HubSpot with the demo's deals for trying the CRM sync (see README)"
	@echo "make test   install what the tests need, lint, check migrations, run every test"
	@echo "            (CI=true: against PostgreSQL and Redis, started if needed, and Chromium)"
	@echo "make loadtest  HTTP load on gunicorn + PostgreSQL + Redis for LOADTEST_SECONDS (60),"
	@echo "            LOADTEST_USERS (8) users; prints req/s and p50/p95/p99 per endpoint"
	@echo "make lock   recompile requirements*.lock from pyproject.toml (needs network)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.lock | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev-deps: requirements-dev.lock | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.run-deps

deps: $(VENV)/.dev-deps chromium services

services:
ifeq ($(CI),true)
	bash .ci/services
else
	@echo "services: SQLite and eager Celery (set CI=true, or DATABASE_URL and CELERY_BROKER_URL, for PostgreSQL and Redis)"
endif

# The embedded setup: SQLite, Celery eager, console e-mail, no other service.
run: $(VENV)/.run-deps
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(ADDRESS)

# A local OpenID Connect provider for trying company sign-in (people/management/commands/
# sso_mock.py); it prints the SSO_OIDC_PROVIDERS value to start `make run` with.
sso-mock: $(VENV)/.dev-deps
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py sso_mock

# A fake HubSpot with the demo's customers and deals (demo/management/commands/crm_fake.py); it
# prints the variables to start `make run` with.
crm-fake: $(VENV)/.run-deps
	DEBUG=1 $(PY) manage.py crm_fake

# pytest's exit code 5 means it collected no test: a failure, never a pass.
test: deps lint migrations-check
	@$(VENV)/bin/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests"; fi; \
	exit $$status

# ruff (lint and format), the one-way layers of the apps (import-linter), and types (mypy).
lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(VENV)/bin/mypy

format: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.dev-deps
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# Debian's Chromium for the Playwright tests (Playwright cannot download browsers here).
# Installed when missing and we may use apt; otherwise the browser tests say they are skipped,
# and with CI=true they fail instead.
chromium:
	@if [ -x "$(CHROMIUM_PATH)" ]; then \
		echo "chromium: $(CHROMIUM_PATH)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "chromium: installing Debian's chromium package"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "chromium: not found at $(CHROMIUM_PATH) and cannot apt-get install it; browser tests will be skipped (failed with CI=true)"; \
	fi

# Benchmarks in a rolled-back transaction (DATABASE_URL picks the database).
bench: $(VENV)/.run-deps
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py bench --json

# HTTP load test (loadtest/run.py, README "Load test"): a fresh forcerank_loadtest database on
# PostgreSQL at 127.0.0.1:5432 and Redis db 14, gunicorn and a Celery worker on 127.0.0.1,
# stopped at the end. LOADTEST_SECONDS, LOADTEST_USERS, LOADTEST_WORKERS, LOADTEST_PORT.
loadtest: $(VENV)/.run-deps
	$(PY) -m loadtest.run

lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --universal --generate-hashes -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --universal --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
