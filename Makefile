# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv and install
# the project first. Without DATABASE_URL they use an embedded PostgreSQL under .data/; without
# REDIS_URL tasks run in-process.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-reset test fuzz lint install worker beat clean

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

# The API fuzz test (tests/api/test_fuzz.py) with many more examples per operation; add
# SLUICE_FUZZ_CONFORMANCE=1 to also count answers that do not match the schema.
fuzz: $(STAMP)
	SLUICE_FUZZ_EXAMPLES=$${SLUICE_FUZZ_EXAMPLES:-40} DJANGO_SETTINGS_MODULE=vsm.settings.test \
		$(BIN)/pytest -p no:cacheprovider -s tests/api/test_fuzz.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

worker: $(STAMP)
	$(BIN)/celery -A vsm worker --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A vsm beat --loglevel=INFO

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
