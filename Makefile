# Two commands for a newcomer: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The newest Python 3.11+ on the machine; override with `make demo PYTHON=/path/to/python3`.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_ENV = DEBUG=1 SITE_URL=http://127.0.0.1:$(PORT)

.PHONY: help install demo demo-data serve test lint format messages bench clean

help:
	@echo "make demo   install, migrate, load the demo municipality and serve it on http://127.0.0.1:$(PORT)/"
	@echo "make test   install if needed and run the whole test suite"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make bench  run the benchmarks under bench/ (PostgreSQL: set DATABASE_URL)"
	@echo "make messages  update and compile the translations in locale/"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 or newer is needed (python3.11, python3.12 ...)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

demo: install demo-data serve

demo-data: install
	@mkdir -p var/static
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py demo_logins

serve: install
	@echo "Serving the demo on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages --locale da --add-location file --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --no-obsolete
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore '.venv/*'

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
