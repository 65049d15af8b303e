# Two commands matter: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3.11
PORT ?= 4566
# HTTP=1: the emulator and every tool over plain HTTP instead of HTTPS (docs/emulator.md).
HTTP ?=
SCHEME := $(if $(HTTP),http,https)
# Where the operator commands (keys, dlq, trail) send their calls. ENDPOINT= (empty): AWS.
ENDPOINT ?= $(SCHEME)://127.0.0.1:$(PORT)

VENV := .venv
EMULATOR_VENV := .venv-emulator
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
PY := $(VENV)/bin/python

.PHONY: install run reset test test-unit test-e2e lint clean event-schemas dlq redrive openapi chromium \
	bench

install: $(VENV)/.installed $(EMULATOR_VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: requirements-dev.txt $(wildcard infra/layers/*.txt)
	@echo "==> project virtualenv ($(VENV))"
	@$(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(EMULATOR_VENV)/.installed: infra/requirements-emulator.txt
	@echo "==> emulator virtualenv ($(EMULATOR_VENV))"
	@$(PYTHON) -m venv $(EMULATOR_VENV)
	@$(EMULATOR_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements-emulator.txt
	@touch $@

$(SAM_VENV)/.installed: infra/requirements-sam.txt
	@echo "==> SAM CLI virtualenv ($(SAM_VENV))"
	@$(PYTHON) -m venv $(SAM_VENV)
	@$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements-sam.txt
	@touch $@

# checkov pins much of what the others use (boto3, pydantic, ...): a virtualenv of its own.
$(CHECKOV_VENV)/.installed: infra/requirements-checkov.txt
	@echo "==> checkov virtualenv ($(CHECKOV_VENV))"
	@$(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements-checkov.txt
	@touch $@

# The virtualenvs are independent: build them side by side.
run:
	@$(MAKE) --no-print-directory -j4 install
	@$(PY) -m infra.run --port $(PORT) $(if $(HTTP),--http)

# The next `make run` starts empty (no catalog, users, orders, keys) and deploys afresh.
reset:
	rm -rf .local/state

test:
	@$(MAKE) --no-print-directory -j4 install
	@$(MAKE) --no-print-directory lint test-unit test-e2e

test-unit: install
	@echo "==> unit tests (moto, in-process)"
	@$(VENV)/bin/pytest tests/unit -q -n 2

# With STACK=name the same tier proves a stack deployed elsewhere, where ENDPOINT says:
# `ENDPOINT=` AWS (your credentials), `ENDPOINT=http://localhost:4566` LocalStack, the
# default the stack `make run` keeps. Nothing is started or deployed then (tests/e2e/conftest.py).
test-e2e: install chromium
	@echo "==> end-to-end tests ($(if $(STACK),stack $(STACK) at $(or $(ENDPOINT),AWS),MiniStack + SAM deploy + HTTPS))"
	@SHOP_E2E_STACK='$(STACK)' SHOP_E2E_ENDPOINT='$(ENDPOINT)' $(VENV)/bin/pytest tests/e2e -q

# The template as AWS engineers would review it: cfn-lint with the serverless rules,
# checkov (infra/checkov.yaml; skips are justified next to their resource) and SAM's own.
lint: install
	@echo "==> cfn-lint (+ serverless rules), checkov, sam validate --lint: infra/template.yaml"
	@$(VENV)/bin/cfn-lint infra/template.yaml --append-rules cfn_lint_serverless.rules
	@$(CHECKOV_VENV)/bin/checkov --config-file infra/checkov.yaml --file infra/template.yaml
	@# A region, or sam spends ~10 s looking for one (your AWS_DEFAULT_REGION wins).
	@SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(SAM_VENV)/bin/sam validate --lint

clean:
	rm -rf .aws-sam .local .pytest_cache

event-schemas: $(VENV)/.installed
	@$(PY) -m infra.event_schemas

dlq: $(VENV)/.installed
	@$(PY) -m infra.dlq list --endpoint '$(ENDPOINT)'

redrive: $(VENV)/.installed
	@$(PY) -m infra.dlq redrive --queue $(QUEUE) --endpoint '$(ENDPOINT)'

# One order's log lines from every function, in time order (docs/observability.md).
.PHONY: trail
trail: $(VENV)/.installed
	@$(PY) -m infra.trail $(ORDER) --endpoint '$(ENDPOINT)'

deploy-localstack: install
	@$(PY) -m infra.deploy --endpoint http://localhost:4566 --config-env localstack

# docs/openapi.json and the docs function's copy, from the template and the handlers'
# contracts (tests/unit/test_openapi.py fails when they are stale).
openapi: $(VENV)/.installed
	@$(PY) -m infra.openapi

# Headless Chromium for tests/e2e/test_docs_page.py (Debian's package; CI runs as root).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "==> installing chromium"; \
		apt-get install -y -qq chromium >/dev/null 2>&1 || \
			{ apt-get update -qq && apt-get install -y -qq chromium; }; \
	fi

# A fresh IdToken of a person in the running stack's user pool (infra/people.py):
# AS=customer or AS=staff (the demo people `make run` makes), or AS=email PASSWORD=...
#   curl -H "Authorization: Bearer $$(make -s token AS=customer)" ...
AS ?= customer
.PHONY: token
token: $(VENV)/.installed
	@$(PY) -m infra.people token '$(AS)' $(if $(PASSWORD),--password '$(PASSWORD)')

KEYS := $(PY) -m infra.keys --endpoint '$(ENDPOINT)'
.PHONY: keys key-create key-disable key-rotate key-usage

keys: $(VENV)/.installed
	@$(KEYS) list

key-create: $(VENV)/.installed
	@$(KEYS) create --user $(USER_NAME) --tier $(TIER)

key-disable: $(VENV)/.installed
	@$(KEYS) disable $(KEY)

key-rotate: $(VENV)/.installed
	@$(KEYS) rotate $(KEY)

key-usage: $(VENV)/.installed
	@$(KEYS) usage $(KEY)

# Benchmarks (docs/benchmarks.md): one emulator, one deploy, ~8 min; matplotlib for the
# charts, py-spy for the profile of a second order drain.
.PHONY: bench
bench: install $(VENV)/.bench-installed
	@$(PY) -m bench.run --profile --py-spy $(VENV)/bin/py-spy

$(VENV)/.bench-installed: bench/requirements.txt $(VENV)/.installed
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	@touch $@
