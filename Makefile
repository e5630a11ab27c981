# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv and install
# the project first. Without DATABASE_URL they use an embedded PostgreSQL under .data/; without
# REDIS_URL tasks run in-process.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-reset test lint install worker beat clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python manage.py demo

demo-reset: $(STAMP)
	$(BIN)/python manage.py demo --reset

test: $(STAMP)
	DJANGO_SETTINGS_MODULE=vsm.settings.test $(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

worker: $(STAMP)
	$(BIN)/celery -A vsm worker --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A vsm beat --loglevel=INFO

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
