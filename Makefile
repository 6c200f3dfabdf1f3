# Hexpack: `make run` sets up and serves the app; `make test` sets up and runs every test.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SYNAPSE_VENV := .venv-synapse
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test test-postgres setup setup-test demo assets clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
	$(PY) scripts/init_instance.py
	$(VENV)/bin/flask db upgrade

demo: setup
	$(VENV)/bin/flask packs import demo_packs/*/

# Publishes to the homeserver by itself when MATRIX_HOMESERVER_URL and MATRIX_ACCESS_TOKEN are set.
run: demo
	@if [ -n "$$MATRIX_HOMESERVER_URL" ] && [ -n "$$MATRIX_ACCESS_TOKEN" ]; then $(VENV)/bin/flask packs publish; \
	else echo "MATRIX_HOMESERVER_URL/MATRIX_ACCESS_TOKEN not set: stickers are shown but not sendable until published."; fi
	PORT=$(PORT) $(VENV)/bin/gunicorn --config gunicorn.conf.py wsgi:app

# Test-only tools that are not Python packages of the app: Synapse in its own venv,
# Debian's Chromium, and the widget host bundle (matrix-widget-api via npm + esbuild).
$(SYNAPSE_VENV)/.installed: requirements-synapse.txt
	$(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/pip install --quiet --upgrade pip
	$(SYNAPSE_VENV)/bin/pip install --quiet -r requirements-synapse.txt
	touch $@

setup-test: $(VENV)/.installed $(SYNAPSE_VENV)/.installed
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@if [ -f tests/widget_host/package.json ]; then cd tests/widget_host && npm ci --silent --no-audit --no-fund && npm run --silent build; fi

test: setup-test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The same suite on the machine's PostgreSQL (a fresh database per run, dropped afterwards).
test-postgres: setup-test
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(VENV)/bin/pytest $(PYTEST_ARGS)

assets: $(VENV)/.installed
	$(VENV)/bin/flask assets build

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) tests/widget_host/node_modules tests/widget_host/dist
