# Chinwag: `make run` starts a demo, `make test` runs every check. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins_builtin/*/pyproject.toml plugins_builtin/*/setup.cfg)))
ADMIN := $(if $(wildcard admin_ui/pyproject.toml admin_ui/setup.cfg),admin_ui,)
PACKAGE_FILES := setup.cfg pyproject.toml requirements-dev.txt plugin_api/pyproject.toml \
	$(wildcard admin_ui/pyproject.toml admin_ui/setup.cfg plugins_builtin/*/pyproject.toml plugins_builtin/*/setup.cfg)
WIDGET_SOURCES := $(shell find widget -path widget/node_modules -prune -o -type f -print 2>/dev/null) core/chinwag/events.json
export CHINWAG_HOST ?= 127.0.0.1
export CHINWAG_PORT ?= 5000
# test files run in this many processes (pytest-xdist; a file stays in one process, so its
# module-scoped live server and browser are shared); most tests wait on servers and browsers
PYTEST_WORKERS ?= 3

.PHONY: run test lint format setup system-deps widget bench docs clean

$(BIN)/.stamp: $(PACKAGE_FILES)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing Chinwag, its plugin API, the admin, the built-in plugins and the dev tools into $(VENV) (log: $(VENV)/install.log)"
	@# pip's and setuptools' own chatter (pages of "Editable installation" notices) goes to the log;
	@# on failure its end is shown
	@{ $(BIN)/pip install --disable-pip-version-check --upgrade pip && \
	   $(BIN)/pip install --disable-pip-version-check -e plugin_api -e . $(addprefix -e ,$(ADMIN) $(PLUGINS)) -r requirements-dev.txt; \
	 } > $(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log; echo "installation failed: see $(VENV)/install.log"; exit 1; }
	@touch $@

setup: $(BIN)/.stamp

# Debian packages the tests drive for real: Chromium (widget/admin), ffmpeg (video), libmagic.
system-deps:
	@missing=""; for p in chromium ffmpeg libmagic1; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (browser/video tests will be skipped)"; fi; \
	fi

core/chinwag/static/widget/manifest.json: $(WIDGET_SOURCES)
	@if [ -f widget/package.json ]; then \
	  cd widget && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build; \
	fi

widget: core/chinwag/static/widget/manifest.json

run: setup widget
	@echo "migrating the database and creating the demo site and admin (once)"
	@$(BIN)/chinwag demo --origin http://$(CHINWAG_HOST):$(CHINWAG_PORT)
	@echo "starting Chinwag: the demo page is http://$(CHINWAG_HOST):$(CHINWAG_PORT)/demo, the admin http://$(CHINWAG_HOST):$(CHINWAG_PORT)/admin/"
	@$(BIN)/chinwag run

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict plugin_api/chinwag_plugin_api
	$(BIN)/mypy core/chinwag
	$(BIN)/mypy --strict $(ADMIN) $(PLUGINS)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python tests/widget/plugin_names.py

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup system-deps widget lint
	$(BIN)/pytest --timeout=600 -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: setup widget
	$(BIN)/python bench/run_all.py

docs: setup
	$(BIN)/chinwag docs plugins > docs/plugins.md
	$(BIN)/chinwag docs config --update docs/configuration.md
	$(BIN)/python -m chinwag.events docs/events.md

clean:
	rm -rf $(VENV) core/chinwag/static/widget widget/node_modules instance
