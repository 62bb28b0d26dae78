# make run   – create .venv if missing, install, migrate, load the seed corpus, serve on 127.0.0.1:$(PORT)
#              with the background-job worker beside it
# make test  – the whole test suite on every core (SQLite by default; set DATABASE_URL for PostgreSQL)
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# The development server needs no secret: DEBUG gives it a throwaway key.
export DEBUG ?= 1

.PHONY: run test lint migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed

# The worker runs the background jobs (imports, large exports) beside the web server; Ctrl-C stops both.
run: seed
	$(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
