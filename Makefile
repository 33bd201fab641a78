# L'Îlot portal — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Our templates: the project's, and those of our apps when they have some.
TEMPLATE_DIRS := templates $(wildcard $(addsuffix /templates,accounts cms referrals portal core))
# Our apps, for the coverage report.
APPS := accounts cms referrals portal $(wildcard core)

.PHONY: run test coverage install install-test demo lint format migrate worker daily benchmark clean prod-check authz-doc

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-test: requirements-test.lock $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py load_demo

# `make run PORT=8001`: the links in emails and the Wagtail admin (SITE_URL) follow the port.
PORT ?= 8000
run: demo
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

worker: install
	$(BIN)/python manage.py db_worker

daily: install
	$(BIN)/python manage.py daily_jobs

benchmark: demo
	$(BIN)/python manage.py benchmark_cms
	$(BIN)/python manage.py benchmark_referrals --sizes 1000 100000
	$(BIN)/python manage.py benchmark_queue --sizes 1000 100000

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/djlint $(TEMPLATE_DIRS) --lint

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install-test lint
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Two gunicorn app servers with production settings behind nginx, one PostgreSQL, one Redis:
# the rate limit, the session and the documents are shared (tests/test_several_servers.py).
# Needs nginx and Redis on 127.0.0.1:6379 (README, "Deploying on several machines").
prod-check: install-test
	$(BIN)/python -m pytest tests/test_several_servers.py -m several_servers -p no:randomly $(PYTEST_ARGS)

# The authorization matrix's table in the docs, from tests/authorization/matrix.py.
authz-doc: install-test
	$(BIN)/python -m tests.authorization.render

# Line coverage of the whole suite: per file, then one line per app.
coverage: install-test
	$(BIN)/python -m pytest $(addprefix --cov=,$(APPS)) --cov-report=term $(PYTEST_ARGS)
	@echo "Line coverage per app:"
	@for app in $(APPS); do \
		printf '  %-10s %s%%\n' $$app "$$($(BIN)/python -m coverage report --include="$$app/*" --format=total)"; \
	done

clean:
	rm -rf $(VENV) static db.sqlite3 .coverage htmlcov
