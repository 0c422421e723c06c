# seti-stream: the two commands a newcomer runs are `make demo` and `make test`.
# Everything else here is a step of those two.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_SET ?= default
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help deps system-deps venv artifacts node-tools test test-stack test-unit test-lab lint \
        lab-up lab-down lab-status demo demo-down clean bench-events

help:
	@echo "make demo       bring up the lab stack, replay the bundled SETI data, print the anomalies"
	@echo "make test       what CI runs: unit tests, then the lab, Fabric and every Molecule scenario"
	@echo "make test-stack the detector's integration and delivery tests on the converged stack"
	@echo "make lab-up     start the lab hosts (LAB_SET=default|cluster)"
	@echo "make lab-down   remove every lab host, link, mount and cgroup"

deps: system-deps venv artifacts node-tools

system-deps:
	bash scripts/install-system-packages.sh

venv: $(STAMP)

$(STAMP): requirements.txt job/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e job/
	touch $@

artifacts: venv
	bash scripts/fetch-artifacts.sh

# npm-groovy-lint for the Jenkinsfile syntax check, into .cache/npm.
node-tools:
	bash scripts/install-node-tools.sh

test: deps
	bash scripts/run-tests.sh

test-stack: deps
	bash scripts/run-tests.sh --stack

test-unit: venv
	$(BIN)/pytest -m "not lab" tests/unit

lab-up: system-deps venv
	$(BIN)/python -m tests.lab up --set $(LAB_SET)

lab-down:
	test ! -x $(BIN)/python || $(BIN)/python -m tests.lab down

lab-status: venv
	$(BIN)/python -m tests.lab status

demo: deps
	bash scripts/demo.sh

demo-down: lab-down

clean: lab-down
	rm -rf $(VENV) .cache reports

# Compare `seti-stream events` with turboSETI 2.3.2 (own venv, numpy < 2); see bench/RESULTS.md.
bench-events: venv
	bash bench/make-turboseti-venv.sh
	$(BIN)/python bench/bench_events.py
