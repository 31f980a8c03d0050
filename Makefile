# chengnuo — two commands on a fresh machine:
#   make run   set up, migrate, load the demo data, serve on http://127.0.0.1:8000 with the worker
#   make test  set up and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
SANDBOX_PORT ?= 18780
WITNESS_PORT ?= 18781
# the suite runs in parallel (pytest-xdist): one process per core, each with its own test database
PYTEST_WORKERS ?= auto
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export PYTHONPATH := $(abspath src)

.PHONY: setup run status serve worker demo test test-fast lint typecheck migrations-check check browser-deps bench openapi messages clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --locked --quiet
	@touch $@

# front-end assets no Python package brings (Apache ECharts, pinned and integrity-checked)
ECHARTS_JS := src/chengnuo/oversight/static/oversight/vendor/echarts.min.js

$(ECHARTS_JS): tools/vendor_assets.py | $(VENV)/.synced
	$(BIN)/python tools/vendor_assets.py

setup: $(VENV)/.synced $(ECHARTS_JS)

demo: setup
	$(BIN)/python manage.py migrate --noinput
	CHENGNUO_SANDBOX_URL=http://127.0.0.1:$(SANDBOX_PORT) $(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

RUN_ENV = export CHENGNUO_ROOT="$(CURDIR)" CHENGNUO_BIN="$(abspath $(BIN))" \
	CHENGNUO_VAR="$(abspath var)" HOST="$(HOST)" PORT="$(PORT)" SANDBOX_PORT="$(SANDBOX_PORT)" \
	WITNESS_PORT="$(WITNESS_PORT)" \
	CHENGNUO_LOG_WITNESSES="$${CHENGNUO_LOG_WITNESSES:-市司法局|http://127.0.0.1:$(WITNESS_PORT)|$(abspath var)/witness/sfj/witness.vkey}" \
	CHENGNUO_STATIC_ROOT="$${CHENGNUO_STATIC_ROOT:-$(abspath var/static)}"

run: demo
	@echo "服务地址 http://$(HOST):$(PORT)/  （Ctrl-C 停止）"
	@echo "信用平台沙箱 http://127.0.0.1:$(SANDBOX_PORT)/"
	@echo "存证日志见证方（市司法局） http://127.0.0.1:$(WITNESS_PORT)/checkpoint"
	@mkdir -p var
	@# supervisord keeps every process running and stops them all on Ctrl-C or SIGTERM
	@# (deploy/supervisord.conf; production: deploy/systemd/)
	@$(RUN_ENV); exec $(BIN)/supervisord -c deploy/supervisord.conf

# the processes of `make run`, while it runs
status:
	@$(RUN_ENV); $(BIN)/supervisorctl -c deploy/supervisord.conf status

# Debian's chromium drives the browser tests (Playwright cannot download its own browser here);
# Playwright's bundled node needs libatomic1, which a minimal Debian lacks.
# No system font package: the PDFs' Chinese fonts come with the Python set-up (uv.lock).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! /sbin/ldconfig -p | grep -q 'libatomic\.so\.1'; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libatomic1 >/dev/null; \
		else echo "missing: sudo apt-get install chromium libatomic1"; exit 1; fi; \
	fi

# cases' own tests run a second time without the verification app installed (ADR 0009)
CASE_TESTS = tests/test_case_services.py tests/test_case_api.py tests/test_case_views.py \
	tests/test_withdrawn_commitment.py

test: setup browser-deps
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --ds=tests.settings_without_verification $(CASE_TESTS)

test-fast: setup
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

migrations-check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run

check: lint typecheck migrations-check

openapi: setup
	$(BIN)/python manage.py export_openapi

messages: setup
	cd src/chengnuo && ../../$(BIN)/django-admin makemessages -l en --no-obsolete && ../../$(BIN)/django-admin compilemessages

bench: setup
	$(BIN)/python bench/catalog_read.py
	$(BIN)/python bench/case_submit.py

clean:
	rm -rf $(VENV) var
