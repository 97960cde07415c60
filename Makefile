# The course's commands. `make book` and `make test` create the environments first.
#   make book   build the website into _build/html (strict: a warning fails it)
#   make test   lint, unit + integration tests, every notebook in fast mode, the grading
#               pipeline, the strict book build and a real-browser check of the site
#   make full   re-execute every notebook at full scale, rewriting its outputs
#   make assignments              student + autograder versions of every chapter's exercises
#   make grade SUBMISSIONS=<dir>  grade every submitted notebook in <dir>, one sandbox each
#                                 (bubblewrap; SANDBOX=0 grades without it, ASSIGNMENT=<name> forces one)
#   make release  pin HEAD as the rnnlib release the notebooks install
#   make diagrams redraw the architecture diagrams (chapters/figures/*.svg)
#   make colab-check  run every notebook as on Google Colab, on this machine: Colab's package
#                 versions, the pinned release installed from a loopback copy of the repository,
#                 the datasets downloaded from loopback copies of their public URLs (README:
#                 "Checking the Colab path"; not part of `make test`; COLAB_CHECK_FLAGS=... adds options)
# Which torch the environments get: TORCH_SPEC and TORCH_INDEX below (README: "Installing").

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
SANDBOX ?= 1
ASSIGNMENT ?=

# torch is installed first, alone, so that requirements.txt's range (torch>=2.1,<3) is
# already met when pip reads it and pip picks no other build. TORCH_INDEX empty: pip's
# own configuration decides where torch comes from (this project's CI machines find a
# local CPU wheel; the public PyPI serves Linux the CUDA build, a ~530 MB wheel plus
# several GB of nvidia-* wheels). Without an NVIDIA GPU, take the CPU build (~200 MB):
#   make test TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=
TORCH_FROM  := $(if $(strip $(TORCH_INDEX)),--index-url $(strip $(TORCH_INDEX)))

# The data mirror: CI and developers use ../shared/data when it is there.
ifeq ($(origin RNNLIB_DATA_MIRROR), undefined)
  ifneq ($(wildcard ../shared/data/names),)
    export RNNLIB_DATA_MIRROR := $(abspath ../shared/data)
  endif
endif

.PHONY: env grade-env book test lint unit notebooks site browser bwrap full assignments grade grading release bench diagrams colab-check clean

# Kernels started from an environment (nbval, otter, make full) read its
# etc/ipython/ipython_kernel_config.py: this one drops ipykernel's notice that a local
# kernel talks over TCP without encryption, printed once per kernel (nothing else).
KCONF := etc/ipython/ipython_kernel_config.py
define KERNEL_CONFIG
# Written by the course's Makefile (see KCONF there).
import logging


class _NoTcpNotice(logging.Filter):
    def filter(self, record):
        return "without encryption" not in record.getMessage()


c.IPKernelApp.logging_config = {
    "filters": {"no_tcp_notice": {"()": _NoTcpNotice}},
    "handlers": {"console": {"filters": ["no_tcp_notice"]}},
}
endef
export KERNEL_CONFIG

# What a target needs of each environment: installed, and its kernels configured.
COURSE_ENV := $(STAMP) $(VENV)/$(KCONF)
GRADE_ENV  := $(GSTAMP) $(GVENV)/$(KCONF)

env: $(COURSE_ENV)

# $(call venv,DIR,REQUIREMENTS): a virtual environment with torch, the requirements and rnnlib.
# (PYTHONWARNINGS: setuptools' notice that an editable install was made, not a problem.)
define venv
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install -q --upgrade pip
	$(1)/bin/python -m pip install -q $(TORCH_FROM) "$(TORCH_SPEC)"
	$(1)/bin/python -m pip install -q -r $(2)
	PYTHONWARNINGS="ignore:Editable installation" $(1)/bin/python -m pip install -q --no-deps -e .
	touch $(1)/.installed
endef

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(call venv,$(VENV),requirements-dev.txt)

$(GSTAMP): requirements.txt requirements-grading.txt pyproject.toml
	$(call venv,$(GVENV),requirements-grading.txt)

$(VENV)/$(KCONF): $(STAMP) Makefile
	mkdir -p $(@D) && printf '%s\n' "$$KERNEL_CONFIG" > $@

$(GVENV)/$(KCONF): $(GSTAMP) Makefile
	mkdir -p $(@D) && printf '%s\n' "$$KERNEL_CONFIG" > $@

grade-env: $(GRADE_ENV)

# The site also serves each student notebook, at assignments/<chapter>/<name>.ipynb.
book: $(COURSE_ENV) assignments
	$(BIN)/jupyter-book build . --all --warningiserror --nitpick --keep-going --quiet
	for d in _build/assignments/*/student; do \
	  ch=$$(basename $$(dirname $$d)); mkdir -p _build/html/assignments/$$ch; \
	  cp $$d/*.ipynb _build/html/assignments/$$ch/; done

assignments: $(GRADE_ENV)
	$(GBIN)/python -m tools.assignments --out _build/assignments

# Debian's bubblewrap: each submission is graded in a sandbox of its own (tools/sandbox.py).
bwrap:
	@command -v bwrap >/dev/null 2>&1 || { \
	  echo "installing Debian's bubblewrap for the grading sandbox"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

GRADE_FLAGS := $(if $(filter 0,$(SANDBOX)),--no-sandbox) $(if $(ASSIGNMENT),--assignment "$(ASSIGNMENT)")

grade: $(GRADE_ENV) $(if $(filter 0,$(SANDBOX)),,bwrap)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder of .ipynb files>"; exit 2; }
	@test -d _build/assignments || $(MAKE) assignments
	$(GBIN)/python -m tools.grade "$(SUBMISSIONS)" --assignments _build/assignments --out _build/grades --timeout $(TIMEOUT) --jobs $(JOBS) $(GRADE_FLAGS)

# The tests read the assignments that `make assignments` built (also for the site), instead
# of building their own copy: make test builds them once.
grading: $(GRADE_ENV) assignments bwrap
	RNNLIB_BUILT_ASSIGNMENTS="$(abspath _build/assignments)" $(GBIN)/python -m pytest tests/grading -q -p no:cacheprovider

lint: $(COURSE_ENV)
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

unit: $(COURSE_ENV) $(W7STAMP) bwrap
	$(BIN)/python -m pytest tests -q -p no:cacheprovider --ignore=tests/grading --cov=rnnlib --cov=tools --cov-report=term-missing:skip-covered --cov-fail-under=90

notebooks: $(COURSE_ENV)
	RNNLIB_FAST=1 RNNLIB_PROGRESS=0 $(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-cell-timeout=900 chapters

# Debian's Chromium for the browser check (Playwright's own download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser check"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

site: book browser
	$(BIN)/python -m tools.check_site --html _build/html

# One after the other. Side by side (make -j2) on a 2-core machine, the notebooks and the
# grading tests (with the assignments they need) took 217 s against 222 s in turn: each
# slowed the other down about as much as it saved, so no gain worth interleaved logs.
test: lint unit notebooks grading site

full: $(COURSE_ENV)
	env -u RNNLIB_FAST $(BIN)/python -m tools.run_notebooks

# Pin HEAD as the rnnlib release that the notebooks install on Colab (README: "Cutting a release").
release: $(COURSE_ENV)
	$(BIN)/python -m tools.release

# Chapter 5's GRU training-throughput benchmark (a measurement, not a test): prints the table
# with the machine and writes _build/bench/gru_throughput.csv and gru_throughput_real.csv.
bench: $(COURSE_ENV)
	$(BIN)/python -m tools.bench_gru --out _build/bench/gru_throughput.csv

# Redraw the architecture diagrams (chapters/figures/*.svg) from rnnlib.viz.diagrams.
diagrams: $(COURSE_ENV)
	$(BIN)/python -m tools.draw_diagrams

# The Colab path proven on this machine (tools/colab_check.py; README: "Checking the Colab path"):
# about 12 minutes, so not part of `make test`. It builds the exercises' student versions with the
# grading environment's otter. E.g. make colab-check COLAB_CHECK_FLAGS="--only 04_gru_api".
COLAB_CHECK_FLAGS ?=
colab-check: $(COURSE_ENV) $(GRADE_ENV)
	$(BIN)/python -m tools.colab_check $(COLAB_CHECK_FLAGS)

clean:
	rm -rf _build .pytest_cache .coverage
