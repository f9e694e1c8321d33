# The compendium's commands. `make help` lists them.
#
# With a conda environment active (conda env create -f environment.yml; conda
# activate dpd-compendium) its python is used; otherwise a .venv is made with
# python3 -m venv and the project is installed into it with pip, pinned by
# pyproject.toml and constraints.txt.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
export LC_ALL := C.UTF-8

# --- what the user may set, checked before any recipe runs -------------------------------
# Values are read with $(value ...) so that nothing in them is expanded by make (a
# `$(shell ...)` in PAIR stays text), upper-cased, and checked against their pattern with
# make's own functions: no value reaches a shell before it has passed.
LOWER = $(subst A,a,$(subst B,b,$(subst C,c,$(subst D,d,$(subst E,e,$(subst F,f,$(subst G,g,$(subst H,h,$(subst I,i,$(subst J,j,$(subst K,k,$(subst L,l,$(subst M,m,$(subst N,n,$(subst O,o,$(subst P,p,$(subst Q,q,$(subst R,r,$(subst S,s,$(subst T,t,$(subst U,u,$(subst V,v,$(subst W,w,$(subst X,x,$(subst Y,y,$(subst Z,z,$(1)))))))))))))))))))))))))))
UPPER = $(subst a,A,$(subst b,B,$(subst c,C,$(subst d,D,$(subst e,E,$(subst f,F,$(subst g,G,$(subst h,H,$(subst i,I,$(subst j,J,$(subst k,K,$(subst l,L,$(subst m,M,$(subst n,N,$(subst o,O,$(subst p,P,$(subst q,Q,$(subst r,R,$(subst s,S,$(subst t,T,$(subst u,U,$(subst v,V,$(subst w,W,$(subst x,X,$(subst y,Y,$(subst z,Z,$(1)))))))))))))))))))))))))))
CAPITALS := A B C D E F G H I J K L M N O P Q R S T U V W X Y Z
SMALL := a b c d e f g h i j k l m n o p q r s t u v w x y z
DIGITS := 0 1 2 3 4 5 6 7 8 9
# $(call STRIP,text,chars): the text without any of the chars (a word list)
STRIP = $(if $(2),$(call STRIP,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# one word per capital letter: "MEX" -> "M E X" (3 words)
SPELL = $(if $(2),$(call SPELL,$(subst $(firstword $(2)),$(firstword $(2)) ,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# $(call IS_ISO,XXX): non-empty when XXX is one word of exactly three capital letters
IS_ISO = $(and $(filter 1,$(words $(1))),$(if $(call STRIP,$(1),$(CAPITALS)),,yes),$(filter 3,$(words $(call SPELL,$(1),$(CAPITALS)))))
IS_PAIR = $(and $(filter 1,$(words $(1))),$(filter 2,$(words $(subst -, ,$(1)))),$(call IS_ISO,$(firstword $(subst -, ,$(1)))),$(call IS_ISO,$(lastword $(subst -, ,$(1)))),$(if $(call STRIP,$(1),$(CAPITALS) -),,yes),$(filter $(firstword $(subst -, ,$(1)))-$(lastword $(subst -, ,$(1))),$(1)))
ISO_RE := three letters, e.g. ARG

# The default pair is set once, in paper/paper.yml (`pair: MEX-CHL`): make and the library
# (analysis.data.countries.default_pair) both read it.
DEFAULT_PAIR := $(call UPPER,$(strip $(shell sed -n 's/^pair:[[:space:]]*"\{0,1\}\([A-Za-z]*-[A-Za-z]*\)"\{0,1\}[[:space:]]*$$/\1/p' paper/paper.yml 2>/dev/null)))
ifeq ($(wildcard paper/paper.yml),)
$(error paper/paper.yml is missing: it sets the default pair (pair: MEX-CHL))
endif
ifeq ($(call IS_PAIR,$(DEFAULT_PAIR)),)
$(error paper/paper.yml: pair must be two ISO 3166-1 alpha-3 codes joined by '-', e.g. MEX-CHL)
endif
DEFAULT_COUNTRIES := $(subst -, ,$(DEFAULT_PAIR))

PAIR_GIVEN := $(value PAIR)
PAIR_SAFE := $(call UPPER,$(if $(PAIR_GIVEN),$(PAIR_GIVEN),$(DEFAULT_PAIR)))
ifeq ($(call IS_PAIR,$(PAIR_SAFE)),)
$(error PAIR must be two ISO 3166-1 alpha-3 codes joined by '-', e.g. MEX-CHL)
endif
override PAIR := $(PAIR_SAFE)

PAIRS_GIVEN := $(value PAIRS)
PAIRS_SAFE := $(call UPPER,$(if $(PAIRS_GIVEN),$(PAIRS_GIVEN),$(DEFAULT_PAIR) $(lastword $(DEFAULT_COUNTRIES))-$(firstword $(DEFAULT_COUNTRIES))))
ifneq ($(words $(PAIRS_SAFE)),$(words $(foreach p,$(PAIRS_SAFE),$(if $(call IS_PAIR,$(p)),ok))))
$(error PAIRS must be pairs like MEX-CHL separated by spaces)
endif
override PAIRS := $(PAIRS_SAFE)

COUNTRIES_GIVEN := $(value COUNTRIES)
COUNTRIES_SAFE := $(call UPPER,$(if $(COUNTRIES_GIVEN),$(COUNTRIES_GIVEN),$(DEFAULT_COUNTRIES)))
ifneq ($(words $(COUNTRIES_SAFE)),$(words $(foreach c,$(COUNTRIES_SAFE),$(if $(call IS_ISO,$(c)),ok))))
$(error COUNTRIES must be ISO 3166-1 alpha-3 codes separated by spaces, e.g. "MEX CHL ARG")
endif
override COUNTRIES := $(COUNTRIES_SAFE)
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
PANEL := panel-$(subst $(SPACE),-,$(strip $(COUNTRIES)))

ISO_GIVEN := $(value ISO)
override ISO := $(call UPPER,$(ISO_GIVEN))
ifneq ($(ISO_GIVEN),)
ifeq ($(call IS_ISO,$(ISO)),)
$(error ISO must be an ISO 3166-1 alpha-3 code, $(ISO_RE))
endif
endif

# `make paper READING=<name>`: the paper under a named alternative reading of the article
# (data/raw/readings.csv), built from a copy of the data in build/readings/<name>/.
READING_GIVEN := $(value READING)
ifneq ($(READING_GIVEN),)
ifneq ($(or $(strip $(call STRIP,$(READING_GIVEN),$(SMALL) $(DIGITS) _)),$(filter-out 1,$(words $(READING_GIVEN)))),)
$(error READING must be one name of data/raw/readings.csv: lower-case letters, digits and _, e.g. amexcid_blog)
endif
endif
override READING := $(READING_GIVEN)

# `make paper LANG=es` (any case, like PAIR: ES, Es): LANG is also the locale variable, so
# anything that is not a language of the paper (e.g. C.UTF-8 from the environment) means
# English.
PAPER_LANG := $(if $(filter es,$(call LOWER,$(value LANG))),es,en)
LANG_SUFFIX := $(if $(filter es,$(PAPER_LANG)),.es,)

# extra arguments for jupyter lab: an allow-list of what a user needs, and nothing that
# loads code or opens the server to the network: --port=N, --port-retries=N, --no-browser,
# --ip=localhost (or 127.0.0.1, ::1), --debug, and a token of one's own
# (--IdentityProvider.token=T, never empty). Never a config file (--config=x.py runs it),
# another address, or an empty token (the server always asks for one).
LAB_ARGS_GIVEN := $(value LAB_ARGS)
ifneq ($(strip $(call STRIP,$(LAB_ARGS_GIVEN),$(CAPITALS) $(SMALL) $(DIGITS) - _ = . :)),)
$(error LAB_ARGS may hold only letters, digits, spaces and - _ = . :)
endif
IS_NUMBER = $(and $(1),$(if $(call STRIP,$(1),$(DIGITS)),,yes))
LAB_OK = $(or $(filter --no-browser --debug --ip=localhost --ip=127.0.0.1 --ip=::1,$(1)),$(and $(filter --port=%,$(1)),$(call IS_NUMBER,$(patsubst --port=%,%,$(1)))),$(and $(filter --port-retries=%,$(1)),$(call IS_NUMBER,$(patsubst --port-retries=%,%,$(1)))),$(and $(filter --IdentityProvider.token=%,$(1)),$(patsubst --IdentityProvider.token=%,%,$(1))))
LAB_REFUSED := $(firstword $(foreach w,$(LAB_ARGS_GIVEN),$(if $(call LAB_OK,$(w)),,$(w))))
ifneq ($(LAB_REFUSED),)
$(error LAB_ARGS may hold only --port=N, --port-retries=N, --no-browser, --ip=localhost (or 127.0.0.1, ::1), --debug and --IdentityProvider.token=T (not empty); not $(LAB_REFUSED))
endif

# Every file of data/raw is a prerequisite of the paper, so its name must be one make can
# put in a rule: letters, digits and . _ - @, and / between folders (a space, %, :, $ or #
# would change the rule, or drop the file from it without a word).
RAW_UNSAFE := $(shell LC_ALL=C find data/raw -type f -not -name '.*' -not -regex '[A-Za-z0-9._@/-]*' -exec printf '%s' {} \; -quit 2>/dev/null | LC_ALL=C tr -c '[:print:]' '?')
ifneq ($(RAW_UNSAFE),)
$(error data/raw holds a file name make cannot handle: '$(RAW_UNSAFE)'; rename it with letters, digits and . _ - @ only)
endif

ifdef CONDA_PREFIX
PY := python
# the conda environment has the packages (environment.yml); add the named kernel
ENV_STAMP := $(CONDA_PREFIX)/share/jupyter/kernels/dpd-compendium/kernel.json
else
VENV := .venv
PY := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed
endif

# Every file of data/raw is an input of the paper (posts/ and snapshots/ included).
RAW := $(shell find data/raw -type f -not -name '.*' 2>/dev/null)
# every module at any depth (a glob of fixed depth would miss a deeper one)
CODE := $(shell find analysis -name '*.py' -not -path '*/__pycache__/*' 2>/dev/null)
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
# The paper's words: the template and each language's sentences (assembly only), and the
# labels drawn in figures and tables (drawings).
# (wildcard: a pattern rule whose prerequisite is missing would silently not apply)
TEMPLATE := $(wildcard paper/*.*)
LABELS := $(wildcard paper/text/labels.yml)
TEXT_EN := $(wildcard paper/text/en.yml)
TEXT_ES := $(wildcard paper/text/es.yml)

.PHONY: help env test test-slow check data paper papers lab clean check-data validate country collect panel bench bench-scale lint datapackage dry-run

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

# Python keeps the compiled code of analysis/ and tests/ in __pycache__ (ignored by git,
# removed by make clean) even where the environment asks it not to (PYTHONDONTWRITEBYTECODE):
# otherwise every kernel of a build and every test worker compiles the package again, and
# pytest rewrites every test module again (seconds each time).
unexport PYTHONDONTWRITEBYTECODE

# Two tiers, each on as many workers as cores (pytest -m, marker "slow" in pyproject.toml):
# `make test` runs every layer's tests in process, from the data to the paper's words, and
# holds the comparisons to the golden results; `make test-slow` runs what costs seconds a
# test: notebooks and papers (the article's and the fixture pair's built once, shared), the
# browser, the lab, Dask workers, property and mutation searches, fresh interpreters.
# `make check` runs both and reports every failure (CI runs both).
test: $(ENV_STAMP) ## Run the test suite: every layer's tests, in process (about half a minute)
	$(PY) -m pytest -q -n auto --dist worksteal -m "not slow"

test-slow: $(ENV_STAMP) ## Run the expensive tests: papers, browser, lab, Dask, searches (minutes)
	$(PY) -m pytest -q -n auto --dist worksteal -m slow

check: $(ENV_STAMP) ## Run both tiers of tests (what CI runs), every failure reported
	@status=0; \
	$(MAKE) --no-print-directory test || status=1; \
	$(MAKE) --no-print-directory test-slow || status=1; \
	if [ $$status -ne 0 ]; then echo "make check: some tests failed (see both runs above)"; fi; \
	exit $$status

data: data/processed/.stamp ## Validate data/raw and write data/processed

data/processed/.stamp: $(RAW) $(CODE) $(ENV_STAMP)
	$(PY) -m analysis data --out data/processed
	touch $@

validate: $(ENV_STAMP) ## Validate data/raw and report what is wrong
	$(PY) -m analysis validate

ifeq ($(READING),)
paper: build/$(PAIR)/paper$(LANG_SUFFIX).pdf ## Build build/<PAIR>/paper.html and paper.pdf (PAIR=MEX-CHL, LANG=en|es; READING=<name>: under an alternative reading)
else
# under an alternative reading: a copy of the data with it applied (never data/raw), then
# the paper from that copy, in build/readings/<name>/<PAIR>/
paper: $(ENV_STAMP)
	$(PY) -m analysis reading '$(READING)' --out 'build/readings/$(READING)/raw'
	$(PY) -m analysis --data-dir 'build/readings/$(READING)/raw' paper --pair '$(PAIR)' --lang $(PAPER_LANG) --build-dir 'build/readings/$(READING)'
endif

papers: $(foreach p,$(PAIRS),build/$(p)/paper$(LANG_SUFFIX).pdf) ## Build several pairs (PAIRS="MEX-CHL CHL-MEX"; use -j2)

# A paper in two steps, so that each reruns only when its own inputs change:
# 1. results: the notebooks, once per pair whatever the language, each drawn in every
#    language as soon as it has run (data, code, notebooks);
# 2. assembly: one language's paper (its sentences, the template; labels edited since the
#    drawing are redrawn first, without the notebooks).
# A Spanish paper after the English one, or an edit of paper/text/*.yml, reruns no notebook.
build/%/results/.done: $(RAW) $(CODE) $(NOTEBOOKS) $(ENV_STAMP)
	$(PY) -m analysis results --pair '$*'
	touch '$@'

build/%/paper.pdf: build/%/results/.done $(LABELS) $(TEMPLATE) $(TEXT_EN)
	$(PY) -m analysis assemble --pair '$*' --lang en

build/%/paper.es.pdf: build/%/results/.done $(LABELS) $(TEMPLATE) $(TEXT_ES)
	$(PY) -m analysis assemble --pair '$*' --lang es

.PRECIOUS: build/%/results/.done

panel: build/$(PANEL)/panel$(LANG_SUFFIX).pdf ## The report on a panel of countries (COUNTRIES="MEX CHL ARG"; LANG=es)

build/$(PANEL)/panel$(LANG_SUFFIX).pdf: $(RAW) $(CODE) notebooks/panel.ipynb $(TEMPLATE) $(LABELS) $(TEXT_EN) $(TEXT_ES) $(ENV_STAMP)
	$(PY) -m analysis panel --countries $(foreach c,$(COUNTRIES),'$(c)') --lang '$(PAPER_LANG)'

check-data: $(ENV_STAMP) ## Report per country how complete data/raw is
	$(PY) -m analysis check-data

country: $(ENV_STAMP) ## Add empty rows for a new country to fill (ISO=ARG)
	$(if $(ISO),,$(error give the country: make country ISO=ARG))
	$(PY) -m analysis country '$(ISO)'

# Collection is never a prerequisite of the paper: only a person runs it.
SOURCES_GIVEN := $(value SOURCES)
COLLECT_FROM := $(if $(SOURCES_GIVEN),$(SOURCES_GIVEN),wikidata youtube)
ifneq ($(filter-out wikidata youtube bluesky mastodon,$(COLLECT_FROM)),)
$(error SOURCES may name wikidata, youtube, bluesky and mastodon only)
endif
COLLECT_OFFLINE := $(if $(value OFFLINE),--offline,)

collect: $(ENV_STAMP) ## Collect a country's values from Wikidata, then YouTube (ISO=ARG; SOURCES="wikidata bluesky mastodon"; OFFLINE=1 is --offline: replays data/raw/snapshots, no network)
	$(if $(ISO),,$(error give the country: make collect ISO=ARG))
	$(foreach s,$(COLLECT_FROM),$(PY) -m analysis collect $(s) '$(ISO)' $(COLLECT_OFFLINE) &&) true

# The offline dry run: make country, the Wikidata items and saved responses (the shipped,
# constructed examples/dry-run/), make collect OFFLINE=1, check-data, the pair paper and the
# panel, each on a copy of data/raw in build/dry-run (data/raw is never written; the folder
# is fixed here, not a variable: the script empties it before each run).
DRY_ISO := $(if $(ISO),$(ISO),PER)
dry-run: $(ENV_STAMP) ## Walk a new country offline from `make country` to its paper and the panel, on a copy of data/raw in build/dry-run (ISO=PER; collect --offline, as OFFLINE=1)
	$(PY) examples/dry-run/run.py build/dry-run --iso '$(DRY_ISO)' --lang '$(PAPER_LANG)'

# Jupyter refuses root unless told; CI and these machines run as root.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(ENV_STAMP) ## Start JupyterLab on notebooks/ with the project's kernel
	$(PY) -m jupyter lab --notebook-dir=notebooks $(LAB_ROOT) $(LAB_ARGS_GIVEN)

bench: $(ENV_STAMP) ## Run the benchmarks (coding 1,000,000 posts; paper build vs papermill floor)
	$(PY) benchmarks/bench_coding.py
	$(PY) benchmarks/bench_paper.py

bench-scale: $(ENV_STAMP) ## Benchmark: 10,000,000 posts partition by partition, here and on Dask (minutes)
	$(PY) benchmarks/bench_scale.py

datapackage: $(ENV_STAMP) ## Regenerate data/raw/datapackage.json from the codebook
	$(PY) -m analysis datapackage --write

lint: $(ENV_STAMP) ## Lint (ruff), check formatting, and check the layers' import rule (import-linter)
	$(PY) -m ruff check analysis tests benchmarks
	$(PY) -m ruff format --check analysis tests benchmarks
	$(PY) -c 'from importlinter.cli import lint_imports_command as run; run(["--no-cache"])'

clean: ## Remove what the build made (build/, data/processed/, caches); keeps .venv and .benchmarks
	rm -rf build data/processed .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +
