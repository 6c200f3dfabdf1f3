# Hexpack: `make run` sets up and serves the app; `make test` sets up and runs every test.
# Python: the newest python3.x >= 3.11 on PATH (3.14 down to 3.11, then python3);
# choose another with `make run PYTHON=/usr/bin/python3.12`.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for candidate in python3.14 python3.13 python3.12 python3.11 python3; do \
	command -v $$candidate >/dev/null 2>&1 && $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$candidate; break; }; done)
endif
VENV := .venv
PY := $(VENV)/bin/python
SYNAPSE_VENV := .venv-synapse
PORT ?= 5000
export FLASK_APP := wsgi

# `make run` on loopback (HOST unset or a loopback address) is local development: HEXPACK_DEV=1
# (PUBLIC_URL defaults to http://127.0.0.1:$PORT) and the demo packs, unless set otherwise. On any
# other HOST (a container's 0.0.0.0) it is a deployment: PUBLIC_URL is required, no demo packs
# unless DEMO_PACKS=1.
ifneq ($(filter-out 127.0.0.1 localhost ::1,$(or $(HOST),127.0.0.1)),)
LOCAL_RUN :=
else
LOCAL_RUN := 1
endif
DEMO_PACKS ?= $(LOCAL_RUN)
URL = $(or $(PUBLIC_URL),http://127.0.0.1:$(PORT))

.PHONY: run test test-postgres setup setup-test demo assets clean python

python:
	@if [ -z "$(PYTHON)" ]; then echo "No Python 3.11 or newer found (tried python3.14 ... python3.11, python3)." \
		"Install one (Debian: apt-get install python3 python3-venv) or name it: make run PYTHON=/path/to/python3.12" >&2; exit 1; fi

$(VENV)/.installed: requirements.txt requirements-dev.txt | python
	@echo "Installing Hexpack into $(VENV) with $(PYTHON) ($$($(PYTHON) --version))..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
	$(PY) scripts/init_instance.py
	$(VENV)/bin/flask db upgrade

demo: setup
	$(VENV)/bin/flask packs import demo_packs/*/

# Uploads the stickers to the homeserver by itself when MATRIX_HOMESERVER_URL and MATRIX_ACCESS_TOKEN are set.
run setup demo assets: export HEXPACK_DEV := $(or $(HEXPACK_DEV),$(LOCAL_RUN))
run: setup
	@if [ "$(DEMO_PACKS)" = 1 ]; then $(VENV)/bin/flask packs import demo_packs/*/; \
	else echo "Demo packs not imported (DEMO_PACKS=1 imports them; the default on loopback only)."; fi
	@if [ -n "$$MATRIX_HOMESERVER_URL" ] && [ -n "$$MATRIX_ACCESS_TOKEN" ]; then $(VENV)/bin/flask packs upload; \
	else echo "MATRIX_HOMESERVER_URL/MATRIX_ACCESS_TOKEN not set: stickers are shown but cannot be sent until they are uploaded to a homeserver (README, 'Stickers on the homeserver')."; fi
	@echo ""
	@echo "Hexpack starts at $(URL)/packs (the store) - stop it with Ctrl-C."
	@echo "  Sticker picker: $(URL)/api/widgets/stickerpicker"
	@echo "  In Element: set integrations_ui_url to $(URL)/manager and integrations_rest_url to $(URL)/api"
	@echo "  in Element's config.json, then open Stickers > 'Add some now' (README, 'Use it in Element')."
	@echo ""
	PORT=$(PORT) $(VENV)/bin/gunicorn --config gunicorn.conf.py wsgi:app

# Test-only tools that are not Python packages of the app: Synapse in its own venv,
# Debian's Chromium (apt-get: needs root), and the widget host bundle (npm).
$(SYNAPSE_VENV)/.installed: requirements-synapse.txt | python
	$(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/pip install --quiet --upgrade pip
	$(SYNAPSE_VENV)/bin/pip install --progress-bar on -r requirements-synapse.txt
	touch $@

# The bundle is a file target: rebuilt only when its sources change, so `make test` and
# `make test-postgres` can run side by side (.ci/run) without reinstalling node_modules under each other.
WIDGET_HOST_MODULES := tests/widget_host/node_modules/.package-lock.json
WIDGET_HOST_BUNDLE := tests/widget_host/dist/host.js
$(WIDGET_HOST_MODULES): tests/widget_host/package.json tests/widget_host/package-lock.json
	cd tests/widget_host && npm ci --silent --no-audit --no-fund
$(WIDGET_HOST_BUNDLE): tests/widget_host/host.js $(WIDGET_HOST_MODULES)
	cd tests/widget_host && npm run --silent build

setup-test: $(VENV)/.installed $(SYNAPSE_VENV)/.installed $(WIDGET_HOST_MODULES) $(WIDGET_HOST_BUNDLE)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup-test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The same suite on the machine's PostgreSQL (a fresh database per run, dropped afterwards).
test-postgres: setup-test
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(VENV)/bin/pytest $(PYTEST_ARGS)

assets: $(VENV)/.installed
	$(VENV)/bin/flask assets build

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) tests/widget_host/node_modules tests/widget_host/dist
