# The course's commands. `make book` and `make test` create the environment first.
#   make book   build the website into _build/html (strict: a warning fails it)
#   make test   lint, unit + integration tests, every notebook in fast mode,
#               the strict book build and a real-browser check of the site
#   make full   re-execute every notebook at full scale, rewriting its outputs
#   make assignments              student + autograder versions of every chapter's exercises
#   make grade SUBMISSIONS=<dir>  grade every submitted notebook in <dir>
#   make release  pin HEAD as the rnnlib release the notebooks install

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# otter-grader pins wrapt<2: the grading tools get an environment of their own.
GVENV  := .venv-grade
GBIN   := $(GVENV)/bin
GSTAMP := $(GVENV)/.installed
TIMEOUT ?= 600
JOBS    ?= 1

# The data mirror: CI and developers use ../shared/data when it is there.
ifeq ($(origin RNNLIB_DATA_MIRROR), undefined)
  ifneq ($(wildcard ../shared/data/names),)
    export RNNLIB_DATA_MIRROR := $(abspath ../shared/data)
  endif
endif

.PHONY: env grade-env book test lint unit notebooks site browser full assignments grade grading release clean

env: $(STAMP)

# torch==2.13.0 first: a CPU build that satisfies requirements.txt's range, so pip
# does not fetch a multi-GB CUDA build for the range.
# $(call venv,DIR,REQUIREMENTS): a virtual environment with torch, the requirements and rnnlib.
define venv
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install -q --upgrade pip
	$(1)/bin/python -m pip install -q torch==2.13.0
	$(1)/bin/python -m pip install -q -r $(2)
	$(1)/bin/python -m pip install -q --no-deps -e .
	touch $(1)/.installed
endef

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(call venv,$(VENV),requirements-dev.txt)

$(GSTAMP): requirements.txt requirements-grading.txt pyproject.toml
	$(call venv,$(GVENV),requirements-grading.txt)

grade-env: $(GSTAMP)

# The site also serves each student notebook, at assignments/<chapter>/<name>.ipynb.
book: $(STAMP) assignments
	$(BIN)/jupyter-book build . --all --warningiserror --nitpick --keep-going
	for d in _build/assignments/*/student; do \
	  ch=$$(basename $$(dirname $$d)); mkdir -p _build/html/assignments/$$ch; \
	  cp $$d/*.ipynb _build/html/assignments/$$ch/; done

assignments: $(GSTAMP)
	$(GBIN)/python -m tools.assignments --out _build/assignments

grade: $(GSTAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder of .ipynb files>"; exit 2; }
	@test -d _build/assignments || $(MAKE) assignments
	$(GBIN)/python -m tools.grade "$(SUBMISSIONS)" --assignments _build/assignments --out _build/grades --timeout $(TIMEOUT) --jobs $(JOBS)

grading: $(GSTAMP)
	$(GBIN)/python -m pytest tests/grading -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check rnnlib tests tools chapters exercises _ext
	$(BIN)/mypy

# ipywidgets 7.7.1 (what Colab ships) beside the environment's ipywidgets 8: tests/test_gate_viz.py
# runs the gate explorer's callbacks under it with $(W7DIR) first on PYTHONPATH. --no-deps: the
# environment's ipykernel, traitlets and IPython serve both versions; only ipython_genutils is new.
W7DIR   := $(VENV)/widgets7
W7STAMP := $(W7DIR)/.installed
.PHONY: widgets7
widgets7: $(W7STAMP)

$(W7STAMP): $(STAMP)
	rm -rf $(W7DIR)
	$(BIN)/python -m pip install -q --no-deps --target $(W7DIR) "ipywidgets==7.7.1" \
	  "widgetsnbextension==3.6.*" "jupyterlab_widgets<3" "ipython_genutils==0.2.*"
	touch $@

unit: $(STAMP) $(W7STAMP)
	$(BIN)/python -m pytest tests -q -p no:cacheprovider --ignore=tests/grading --cov=rnnlib --cov=tools --cov-report=term-missing:skip-covered --cov-fail-under=90

notebooks: $(STAMP)
	RNNLIB_FAST=1 RNNLIB_PROGRESS=0 $(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-cell-timeout=900 chapters

# Debian's Chromium for the browser check (Playwright's own download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser check"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

site: book browser
	$(BIN)/python -m tools.check_site --html _build/html

test: lint unit notebooks grading site

full: $(STAMP)
	env -u RNNLIB_FAST $(BIN)/python -m tools.run_notebooks

# Pin HEAD as the rnnlib release that the notebooks install on Colab (README: "Cutting a release").
release: $(STAMP)
	$(BIN)/python -m tools.release

clean:
	rm -rf _build .pytest_cache .coverage
