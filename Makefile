# Autodiagnostic « territoire intelligent » — see README.md.
# `make run` and `make test` install whatever is missing; nothing else is needed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := 3.10
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RASA := $(BIN)/rasa
MODEL := models/diagnostic.tar.gz
TRAINING_FILES := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

# Embedded defaults: SQLite files under var/, servers on loopback.
export DIAGNOSTIC_DATABASE_URL ?= sqlite:///$(CURDIR)/var/diagnostic.db
export TRACKER_DIALECT ?= sqlite
export TRACKER_URL ?=
export TRACKER_DB ?= $(CURDIR)/var/tracker.db
export RASA_HOST ?= 127.0.0.1
export RASA_PORT ?= 5005
export ACTIONS_PORT ?= 5055
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTIONS_PORT)/webhook
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install train run shell test lint validate unit stories e2e clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "Python $(PYTHON_VERSION) est introuvable (voir .python-version)."; exit 1; }
	python$(PYTHON_VERSION) -m venv $(VENV)

$(VENV)/.installed: requirements.lock pyproject.toml | $(PY)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	touch $@

install: $(VENV)/.installed ## Create .venv (Python 3.10) and install the pinned dependencies

$(MODEL): $(TRAINING_FILES) | $(VENV)/.installed
	@mkdir -p models var
	$(RASA) train --fixed-model-name diagnostic --out models --quiet

train: $(MODEL) ## Train the model if the training data or the config changed

run: install train ## Start the action server and the Rasa server (Ctrl-C stops both)
	@bash scripts/run.sh

shell: install train ## Chat in the terminal (starts the action server too)
	@bash scripts/run.sh shell

lint: install ## ruff
	$(BIN)/ruff check .

validate: install ## rasa data validate --fail-on-warnings
	$(RASA) data validate --fail-on-warnings --quiet

unit: install ## Unit tests (no server)
	$(BIN)/pytest -q -m "not e2e and not browser"

stories: install train ## Test stories with --fail-on-prediction-errors
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/stories --quiet

e2e: install train ## End-to-end tests on the real servers
	$(BIN)/pytest -q -m e2e

test: install ## The whole suite (what CI runs)
	bash scripts/test-services.sh
	$(MAKE) --no-print-directory lint validate
	source var/test-services.env && $(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory stories e2e

clean: ## Remove the trained model, the results and the local databases
	rm -rf models results var
