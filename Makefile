# Developer entry points for the ozonetel.cloudagent collection.
# Needs only python3, make and git: everything else is installed into $(VENV).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
VENV_ABS := $(abspath $(VENV))
# A copy of the requirements the venv was built from; pip runs again only when they change.
VENV_STAMP := $(VENV)/.requirements-dev.txt
GATES := tests/tools/gates.sh

.DEFAULT_GOAL := help
.PHONY: help venv test demo bench changelog lint sanity units docs build ee integration clean

help:
	@echo "make test         run every gate (changelog, ansible-lint, sanity, units, docs, build+importer, EE, integration)"
	@echo "make demo         run docs/examples/demo.yml against the bundled emulator (check, real, idempotent rerun)"
	@echo "make bench        run tests/bench/benchmark.py (BENCH=classic or BENCH=status: one part only)"
	@echo "make <gate>       run one gate: changelog lint sanity units docs build ee integration"
	@echo "make venv         create/update $(VENV) from tests/requirements-dev.txt"
	@echo "make clean        remove the staging tree and local test outputs"

venv: $(VENV_STAMP)

$(VENV_STAMP): tests/requirements-dev.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@if cmp -s $< $@; then \
		touch $@; \
	else \
		echo "Installing $< into $(VENV) ..."; \
		$(VENV)/bin/python -m pip install --disable-pip-version-check --quiet -r $< && cp $< $@; \
	fi

test: venv
	@VENV=$(VENV_ABS) $(GATES)

changelog lint sanity units docs build ee integration: venv
	@VENV=$(VENV_ABS) $(GATES) $@

demo: venv
	@VENV=$(VENV_ABS) tests/tools/demo.sh

bench: venv
	$(VENV)/bin/python tests/bench/benchmark.py $(if $(BENCH),--part $(BENCH))

clean:
	@VENV=$(VENV_ABS) tests/tools/clean.sh
