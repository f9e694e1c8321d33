# The compendium's commands. `make help` lists them.
#
# With a conda environment active (conda env create -f environment.yml; conda
# activate dpd-compendium) its python is used; otherwise a .venv is made with
# python3 -m venv and the project is installed into it with pip, pinned by
# pyproject.toml and constraints.txt.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PAIR ?= MEX-CHL
# `make paper LANG=es`: LANG is also the locale variable, so anything that is
# not a language of the paper (e.g. C.UTF-8 from the environment) means English.
PAPER_LANG := $(if $(filter es,$(LANG)),es,en)
export LC_ALL := C.UTF-8
PAIRS ?= MEX-CHL CHL-MEX
ISO ?=

ifdef CONDA_PREFIX
PY := python
# the conda environment has the packages (environment.yml); add the named kernel
ENV_STAMP := $(CONDA_PREFIX)/share/jupyter/kernels/dpd-compendium/kernel.json
else
VENV := .venv
PY := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed
endif

RAW := $(wildcard data/raw/*.csv data/raw/*.yml)
CODE := $(wildcard analysis/*.py analysis/importers/*.py)
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
TEMPLATE := $(wildcard paper/*.* paper/text/*)
LANG_SUFFIX := $(if $(filter es,$(PAPER_LANG)),.es,)

.PHONY: help env test data paper papers lab clean check-data validate country bench lint datapackage

help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

env: $(ENV_STAMP) ## Create .venv and install the project (in an active conda env: only the kernel)

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e '.[test]'
	$(VENV)/bin/python -m ipykernel install --sys-prefix --name dpd-compendium --display-name "Python (dpd-compendium)" >/dev/null
	touch $@

$(CONDA_PREFIX)/share/jupyter/kernels/dpd-compendium/kernel.json:
	python -m ipykernel install --sys-prefix --name dpd-compendium --display-name "Python (dpd-compendium)" >/dev/null

test: $(ENV_STAMP) ## Run the test suite (unit, bad input, notebooks, replication)
	$(PY) -m pytest -q

data: data/processed/.stamp ## Validate data/raw and write data/processed

data/processed/.stamp: $(RAW) $(CODE) $(ENV_STAMP)
	$(PY) -m analysis data --out data/processed
	touch $@

validate: $(ENV_STAMP) ## Validate data/raw and report what is wrong
	$(PY) -m analysis validate

paper: build/$(PAIR)/paper$(LANG_SUFFIX).pdf ## Build build/<PAIR>/paper.html and paper.pdf (PAIR=MEX-CHL, LANG=en|es)

papers: $(foreach p,$(PAIRS),build/$(p)/paper$(LANG_SUFFIX).pdf) ## Build several pairs (PAIRS="MEX-CHL CHL-MEX"; use -j2)

build/%/paper$(LANG_SUFFIX).pdf: $(RAW) $(CODE) $(NOTEBOOKS) $(TEMPLATE) $(ENV_STAMP)
	$(PY) -m analysis paper --pair $* --lang $(PAPER_LANG)

check-data: $(ENV_STAMP) ## Report per country how complete data/raw is
	$(PY) -m analysis check-data

country: $(ENV_STAMP) ## Add empty rows for a new country to fill (ISO=ARG)
	$(PY) -m analysis country $(ISO)

LAB_ARGS ?=
# Jupyter refuses root unless told; CI and these machines run as root.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(ENV_STAMP) ## Start JupyterLab on notebooks/ with the project's kernel
	$(PY) -m jupyter lab --notebook-dir=notebooks $(LAB_ROOT) $(LAB_ARGS)

bench: $(ENV_STAMP) ## Run the benchmarks (coding 1,000,000 posts; paper build vs papermill floor)
	$(PY) benchmarks/bench_coding.py
	$(PY) benchmarks/bench_paper.py

datapackage: $(ENV_STAMP) ## Regenerate data/raw/datapackage.json from the codebook
	$(PY) -m analysis datapackage --write

lint: $(ENV_STAMP) ## Lint (ruff check) and check formatting (ruff format --check)
	$(PY) -m ruff check analysis tests benchmarks
	$(PY) -m ruff format --check analysis tests benchmarks

clean: ## Remove what the build made (build/, data/processed/, caches); keeps .venv
	rm -rf build data/processed .pytest_cache .ruff_cache .benchmarks
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +
