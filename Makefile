# Developer entry points for the ozonetel.cloudagent collection.
# Needs only python3 (3.10+ for the controller), make and git: everything else comes from PyPI.
#
#   make test     every nox session (noxfile.py, antsibull-nox.toml), one result line each
#   make demo     the demo playbook against the bundled emulator, in a small venv of its own

SHELL := /bin/bash
PYTHON ?= python3
# the test runner: nox and antsibull-nox only; every session builds its own venv under .nox/
VENV ?= .venv
VENV_STAMP := $(VENV)/.requirements-dev.txt
# make demo: ansible-core and requests only
DEMO_VENV ?= .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.requirements-demo.txt
# make bench: the demo's packages plus redis
BENCH_VENV ?= .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.requirements-bench.txt
# sessions to run (default: all; `nox -l` lists them), e.g. make test SESSIONS="units-2.16 lint"
SESSIONS ?=
# sessions run two at a time (CI runners have 2 cores); JOBS=1 streams one session's output at a time
JOBS ?= 2
PIP := python -m pip install --disable-pip-version-check --quiet

# pyenv: put every installed CPython 3.x on PATH (its default first), so the sessions of each
# ansible-core version find their controller Python and ansible-test finds every module Python.
# Real directories, not shims: ansible-test runs its tools with a filtered environment.
ifneq ($(shell command -v pyenv 2>/dev/null),)
PYENV_DEFAULT := $(shell pyenv version-name 2>/dev/null | cut -d: -f1)
PYENV_PYTHONS := $(PYENV_DEFAULT) $(filter-out $(PYENV_DEFAULT),$(shell pyenv versions --bare 2>/dev/null | grep -E '^3\.(9|1[0-9])\.[0-9]+$$'))
export PATH := $(subst $(eval) ,:,$(foreach v,$(PYENV_PYTHONS),$(shell pyenv prefix $(v))/bin)):$(PATH)
endif

.DEFAULT_GOAL := help
.PHONY: help venv demo-venv bench-venv test format interface-snapshot demo bench clean

help:
	@echo "make test     run every session: lint, formatters, docs, extra checks, build+import, changelog, EE,"
	@echo "              ansible-test sanity+units on ansible-core 2.16-2.20, integration, docs snippets"
	@echo "              (SESSIONS=\"a b\" runs only those; $(VENV)/bin/nox -l lists them)"
	@echo "make format   re-format the code (ruff format, line length 120, quotes kept)"
	@echo "make interface-snapshot  record the plugins' options and return keys in tests/interface/snapshot.json"
	@echo "make demo     run docs/examples/demo.yml against the bundled emulator (check, real, idempotent rerun)"
	@echo "make bench    run tests/bench/benchmark.py (BENCH=deletes, status or info-e2e: one part only;"
	@echo "              BENCH_ARGS=\"--runs 7\" passes options, BENCH_ARGS=--help lists them)"
	@echo "make clean    remove nox venvs, test outputs and the demo venv"

venv: $(VENV_STAMP)

$(VENV_STAMP): tests/requirements-dev.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing $< into $(VENV) ..."
	@$(VENV)/bin/$(PIP) -r $< && cp $< $@

demo-venv: $(DEMO_STAMP)

$(DEMO_STAMP): tests/requirements-demo.txt
	@PYTHON=$(PYTHON) tests/tools/demo_python.sh >/dev/null
	@test -x $(DEMO_VENV)/bin/python || "$$(PYTHON=$(PYTHON) tests/tools/demo_python.sh)" -m venv $(DEMO_VENV)
	@echo "Installing $< into $(DEMO_VENV) ..."
	@$(DEMO_VENV)/bin/$(PIP) -r $< && cp $< $@

bench-venv: $(BENCH_STAMP)

$(BENCH_STAMP): tests/requirements-bench.txt tests/requirements-demo.txt
	@test -x $(BENCH_VENV)/bin/python || "$$(PYTHON=$(PYTHON) tests/tools/demo_python.sh)" -m venv $(BENCH_VENV)
	@echo "Installing $< into $(BENCH_VENV) ..."
	@$(BENCH_VENV)/bin/$(PIP) -r $< && cp $< $@

# CI=true: formatters check instead of rewriting (antsibull-nox's CI mode). FULL_MATRIX carries the
# caller's own CI: only then is every Python of the matrix required (noxfile.py, python_choice.py);
# elsewhere a version no installed Python can serve is skipped and named.
test: venv
	@tests/tools/install_redis.sh >/dev/null  # the Redis token store tests start a real redis-server
	@FULL_MATRIX=$(if $(filter true 1 yes,$(CI)),true,false) CI=true JOBS=$(JOBS) \
		$(VENV)/bin/python tests/tools/run_sessions.py $(SESSIONS)

format: venv
	@$(VENV)/bin/nox -s formatters

# on purpose only: the interface session compares the plugins with this snapshot (docs/maintainers/toolchain.md)
interface-snapshot: venv
	@$(VENV)/bin/nox -s interface -- update

demo: demo-venv
	@VENV=$(abspath $(DEMO_VENV)) tests/tools/demo.sh

bench: bench-venv
	PYTHONPATH=tests/harness:tests/emulator $(BENCH_VENV)/bin/python tests/bench/benchmark.py $(if $(BENCH),--part $(BENCH)) $(BENCH_ARGS)

clean:
	rm -rf .nox tests/output $(DEMO_VENV) $(BENCH_VENV)
