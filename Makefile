# circuitsnn — every target does its own set-up on a fresh Debian machine (run as root).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# CI and tests: one torch thread so simulations beside training do not thrash 2 cores.
export OMP_NUM_THREADS ?= 1
export MPLBACKEND ?= Agg

.PHONY: help setup system demo test test-all bench netlists clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' Makefile | sed 's/:.*##/\t/'

system:  ## apt: ngspice, libngspice0, python3-venv, dataset-fashion-mnist (only when missing)
	@if ! command -v ngspice >/dev/null || ! ldconfig -p | grep -q 'libngspice.so.0' \
	    || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then \
	  echo "Installing system packages (ngspice, libngspice0, python3-venv)..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    ngspice libngspice0 python3 python3-venv python3-pip >/dev/null; \
	fi
	@if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then \
	  echo "Installing dataset-fashion-mnist (Fashion-MNIST IDX files, for the trainer)..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    dataset-fashion-mnist >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "Installing Python packages into $(VENV) (torch==2.13.0 CPU first)..."
	@$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -c 'import circuitsnn, torch, xarray, h5py' 
	@touch $(STAMP)

setup: $(STAMP)  ## system packages + .venv with torch==2.13.0 CPU and circuitsnn[dev]

demo: setup  ## set up, then run the main job (outputs under reports/demo)
	$(VENV)/bin/circuitsnn demo --out reports/demo

test: setup  ## set up, then run the tests (slow ones excluded; ngspice required)
	$(PY) -m pytest -m "not slow" --ngspice required -q --durations=15 $(PYTEST_ARGS)

test-all: setup  ## every test, slow ones included
	$(PY) -m pytest --ngspice required -q $(PYTEST_ARGS)

bench: setup  ## benchmarks (ratios against a baseline measured in the same run)
	$(PY) bench/run_all.py

netlists: setup  ## regenerate netlists/ from the component library
	$(VENV)/bin/circuitsnn netlists --out netlists

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis reports/demo
