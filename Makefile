# SO8T Safe Agent — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The local CPU wheel. GPU users: make setup TORCH_SPEC='torch==2.13.0' TORCH_INDEX='--index-url <cuda index>'
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
STAMP := $(VENV)/.so8t-installed
# keep in step with the gguf extra in pyproject.toml (tests/test_docs.py checks)
LLAMA_SPEC := llama-cpp-python==0.3.36
NO_AMX := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'
PYTEST_ARGS ?=

.PHONY: help setup run test test-fast lint model db browser pdf-libs openapi clean prom-tools lint-deploy

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install $(TORCH_INDEX) "$(TORCH_SPEC)"
# gguf extra: llama-cpp-python compiles llama.cpp for this CPU (minutes, once per venv); no multimodal
# part; AMX off: CPUs that list AMX inside VMs whose kernel does not grant it die with SIGILL in ggml's AMX
# matmul. Built without pip's wheel cache, so a wheel compiled on another machine is never reused.
	CMAKE_ARGS="$${CMAKE_ARGS:-$(LLAMA_CMAKE_ARGS)}" $(BIN)/pip install --no-cache-dir "$(LLAMA_SPEC)"
	$(BIN)/pip install -e '.[dev,gguf]'
	touch $(STAMP)

setup: $(STAMP) pdf-libs model db  ## venv + packages + default model + database (idempotent)

model: $(STAMP)  ## assemble and convert the default model under var/models (first time ~1 min)
	$(BIN)/so8t prepare-model

db: $(STAMP)  ## alembic upgrade head on the configured database (SQLite under ./var by default)
	$(BIN)/so8t db upgrade

run: setup  ## set everything up, then serve UI + API on http://127.0.0.1:7860
	$(BIN)/so8t serve --no-migrate

browser:  ## Debian's Chromium for the browser tests (installs with apt when missing and run as root)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk; \
	  else echo "Chromium is missing: sudo apt-get install chromium chromium-driver fonts-noto-cjk" >&2; exit 1; fi; \
	fi

# WeasyPrint (PDF reports) loads pango and harfbuzz-subset from the system; the Japanese font is a pip wheel.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
pdf-libs:  ## system libraries for PDF reports (installs with apt when missing and run as root)
	@if ! ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || ! ldconfig -p | grep -q 'libharfbuzz-subset.so.0'; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(PDF_LIBS); \
	  else echo "PDF reports need: sudo apt-get install $(PDF_LIBS)" >&2; fi; \
	fi

lint: $(STAMP)  ## ruff + mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app model pii db audit review reports training

test: setup browser lint lint-deploy  ## set up if needed, then run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)  ## unit + integration tests without the real model, browser or PostgreSQL
	$(BIN)/python -m pytest -m "not slow and not browser and not postgres" $(PYTEST_ARGS)

# promtool (Prometheus rule and config checks) comes with Debian's prometheus package (the server is not started).
prom-tools:  ## promtool for lint-deploy (installs Debian's prometheus package when missing and run as root)
	@if ! command -v promtool >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; \
	  else echo "lint-deploy needs promtool: sudo apt-get install prometheus" >&2; exit 1; fi; \
	fi

# Offline only: there is no Docker engine or cluster here (docs/OBSERVABILITY.md says what is and is not run).
# The Kubernetes manifests are rendered from a copy with secrets.env made from its example.
lint-deploy: $(STAMP) prom-tools  ## check deploy/: compose schema, hadolint, kustomize + k8s schemas, promtool
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec deploy/docker-compose.yml
	$(BIN)/hadolint --config deploy/hadolint.yaml deploy/Dockerfile
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cp -r deploy/k8s deploy/k8s-gpu-training "$$tmp/" && \
	  cp deploy/k8s/secrets.env.example "$$tmp/k8s/secrets.env" && \
	  for k in k8s k8s-gpu-training; do \
	    $(BIN)/kubectl kustomize "$$tmp/$$k" > "$$tmp/$$k.yaml" && \
	    $(BIN)/kubernetes-validate --strict --quiet "$$tmp/$$k.yaml" && echo "deploy/$$k: valid" || exit 1; \
	  done
	promtool check config deploy/prometheus/prometheus.yml
	promtool test rules deploy/prometheus/alerts_test.yml

openapi: $(STAMP)  ## regenerate docs/openapi.json
	$(BIN)/so8t openapi --out docs/openapi.json

clean:  ## remove the venv and local state (database, converted models, caches)
	rm -rf $(VENV) var
