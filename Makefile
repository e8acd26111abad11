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
TRAINING_FILES := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(wildcard components/*.py) \
	bot/understanding/reader.py bot/understanding/reader_examples.py $(wildcard bot/content/reader_corpus*.yml)

# Embedded defaults: SQLite files under var/, servers on loopback.
export DIAGNOSTIC_DATABASE_URL ?= sqlite:///$(CURDIR)/var/diagnostic.db
export TRACKER_DIALECT ?= sqlite
export TRACKER_URL ?=
export TRACKER_DB ?= $(CURDIR)/var/tracker.db
export RASA_HOST ?= 127.0.0.1
export RASA_PORT ?= 5005
export ACTIONS_HOST ?= 127.0.0.1
export ACTIONS_PORT ?= 5055
export ACTION_ENDPOINT_URL ?= http://$(ACTIONS_HOST):$(ACTIONS_PORT)/webhook
# Rasa and the action server are private: scripts/run.sh passes them the secrets set in the
# environment or else kept in var/secrets.env (`make secrets`, see scripts/make-secrets.sh).
# The web application (site, widget, reports) and the demo commune website (bot/settings.py).
export DIAGNOSTIC_WEB_HOST ?= 127.0.0.1
export DIAGNOSTIC_WEB_PORT ?= 8000
export DIAGNOSTIC_DEMO_PORT ?= 8001
export DIAGNOSTIC_PUBLIC_URL ?= http://$(DIAGNOSTIC_WEB_HOST):$(DIAGNOSTIC_WEB_PORT)
export DIAGNOSTIC_RASA_URL ?= http://$(RASA_HOST):$(RASA_PORT)
# `make run` runs the servers under supervisord (deploy/supervisord.conf): its socket and pid
# file go in DIAGNOSTIC_RUN_DIR, every log in DIAGNOSTIC_LOG_DIR.
export DIAGNOSTIC_RUN_DIR ?= $(CURDIR)/var
export DIAGNOSTIC_LOG_DIR ?= $(CURDIR)/var/log
# Rasa's conversation locks: in Rasa's memory, or in Redis when LOCK_STORE_URL is set (several
# Rasa; channels/lock_store.py gives a dead Rasa's locks back after LOCK_OWNER_LEASE, 5 s). A
# ticket lives TICKET_LOCK_LIFETIME seconds at most (Rasa's default: 60). See README, « Pannes ».
export TICKET_LOCK_LIFETIME ?= 15
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install train secrets run status shell test lint validate unit stories e2e install-browser browser bench-widget nlu-test bench-nlu bench-nlu-door clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

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
	$(PY) -m bot.understanding.reader  # the learned answer reader, cached under var/cache/

train: $(MODEL) ## Train the model if the training data or the config changed

secrets: ## Create var/secrets.env (the secrets of Rasa, the action server and the site) if missing
	@bash scripts/make-secrets.sh

run: install train authorities ## Start the action and Rasa servers, the website and the demo site, supervised (Ctrl-C stops all)
	@bash scripts/run.sh

status: ## Which services run (under make run), since when, and where their logs are
	@$(PY) deploy/status.py

shell: install train ## Chat in the terminal (starts the action server too)
	@bash scripts/run.sh shell

lint: install ## ruff
	$(BIN)/ruff check .

validate: install ## rasa data validate --fail-on-warnings
	$(RASA) data validate --fail-on-warnings --quiet

unit: install install-authorities ## Unit tests (no server)
	$(BIN)/pytest -q -m "not e2e and not browser and not nlu"

stories: install train ## Test stories with --fail-on-prediction-errors
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/stories --quiet

e2e: install train ## End-to-end tests on the real servers
	$(BIN)/pytest -q -m e2e

nlu-test: install train ## The trained model keeps its held-out figures (tests/nlu, benchmarks/nlu.md)
	$(BIN)/pytest -q -m nlu

bench-nlu: install train ## Train and compare the NLU pipelines and the deployed model, write benchmarks/nlu.md (about 65 min)
	nice $(PY) scripts/bench_nlu.py

bench-nlu-door: install train ## Only the answers played through the door, before / after issue 10 (benchmarks/nlu.md, about 20 min)
	nice $(PY) scripts/bench_nlu.py --door-only

install-browser: ## Chromium (Debian) and local copies of axe-core and rasa-webchat, if missing
	bash scripts/install-browser.sh

browser: install train install-browser ## Browser tests: widget, report, accessibility, screenshots/
	$(BIN)/pytest -q -m browser

bench-widget: install install-browser ## Gzipped size of the widget vs rasa-webchat (benchmarks/widget.md)
	$(PY) scripts/bench_widget.py

test: install install-authorities ## The whole suite (what CI runs)
	bash scripts/test-services.sh
	$(MAKE) --no-print-directory lint validate
	source var/test-services.env && $(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory stories nlu-test e2e browser

clean: ## Remove the trained model, the results and the local databases
	rm -rf models results var

# The official administrative division (issue 13): the npm pack in var/npm-cache/, then the store.
.PHONY: install-authorities authorities bench-authorities
install-authorities: ## Local copy (npm pack) of the official administrative division, if missing
	bash scripts/install-authorities.sh

authorities: install install-authorities ## Load the official division into the diagnostic store (if missing or older)
	$(PY) -m bot authorities load

bench-authorities: install install-authorities ## Authority names: recognition, false alarms, time per lookup (benchmarks/authorities.md)
	nice $(PY) scripts/bench_authorities.py

.PHONY: bench-review
bench-review: install ## Benchmark of the staff review on 10,000 conversations (writes benchmarks/review.md)
	$(PY) scripts/bench_review.py

# RUNS=2 for a quick try (default 20 runs of each fault; about 90 minutes on 2 cores);
# FAULTS=name,name re-runs only those faults (the others keep their figures, benchmarks/reliability.json).
.PHONY: bench-reliability
bench-reliability: install train ## Every fault of tests/faults/ 20 times, random timing (writes benchmarks/reliability.md)
	bash scripts/test-services.sh
	source var/test-services.env && nice $(PY) scripts/bench_reliability.py $(if $(RUNS),--runs $(RUNS)) $(if $(FAULTS),--faults $(FAULTS))

# Locust runs in its own environment, var/locust-venv (its dependencies clash with Rasa's).
.PHONY: bench-load
bench-load: install train ## Users through the door at 1, 5, 20, 50, and a bare rasa init (writes benchmarks/load.md, about 20 min)
	bash scripts/install-locust.sh
	nice $(PY) scripts/bench_load.py

# The scale-out topology (deploy/scale/: two Rasa, two action servers, two door processes, nginx
# with TLS; PostgreSQL and Redis of its own) beside one process of each, on this machine.
.PHONY: bench-scale
bench-scale: install train ## Scale-out topology through nginx vs one process of each, capacity model (writes benchmarks/load.md, about 15 min)
	bash scripts/install-locust.sh
	bash scripts/install-nginx.sh >/dev/null
	nice $(PY) scripts/bench_scale.py
