# Two commands on a fresh machine: `make book` and `make test`.
# Both create .venv from requirements.txt when it is missing or out of date.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
CACHE  := _build/.jupyter_cache

NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb))
JB_FLAGS  := --builder html -W -n --keep-going
PDF       := _build/pdf/logits-explained.pdf

# nbval re-runs every chapter in a fresh kernel and compares each output,
# after the rewrites in the sanitize file, with the committed one. One
# worker per core; --dist loadscope keeps each notebook's cells together.
NBVAL_FLAGS := --nbval --nbval-current-env \
	--nbval-sanitize-with .ci/nbval_sanitize.cfg \
	--nbval-cell-timeout=120 -p no:cacheprovider \
	-n auto --dist loadscope

# The second nbval pass: the same notebooks on other code paths than this
# CPU's own, as a reader's machine takes them. PyTorch runs its generic
# kernels instead of AVX2/AVX-512 ones, OpenBLAS its Sandy Bridge kernels,
# NumPy its baseline loops without AVX2/FMA, MKL its compatible path, and
# BLAS and OpenMP one thread. Every committed output must survive both.
OTHER_CPU := ATEN_CPU_CAPABILITY=default OPENBLAS_CORETYPE=Sandybridge \
	NPY_DISABLE_CPU_FEATURES=X86_V3 MKL_CBWR=COMPATIBLE \
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: all book test venv unit lint nbval nbval-other-cpu render pdf browser execute bench clean

all: book

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(STAMP)

## book: build the HTML book into _build/html (warnings are errors).
## Notebooks whose code changed are executed first, one per core, into
## Jupyter Book's cache; the build then renders from the cache.
book: $(STAMP)
	$(BIN)/python .ci/prime_cache.py $(CACHE) $(NOTEBOOKS)
	$(BIN)/jupyter-book build . $(JB_FLAGS)

## test: lint, unit tests and doctests, notebook validation (natively and
## on other CPU code paths), a full book build, the book as one PDF, and
## the built book and the PDF checked in a real browser and with poppler
test: lint unit nbval nbval-other-cpu render pdf browser

lint: $(STAMP)
	$(BIN)/ruff check logitutils tests benchmarks chapters .ci _ext

unit: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -n auto tests logitutils --ignore=tests/browser --ignore=tests/pdf

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_FLAGS) $(NOTEBOOKS)

nbval-other-cpu: $(STAMP)
	env $(OTHER_CPU) $(BIN)/python -m pytest $(NBVAL_FLAGS) $(NOTEBOOKS)

# Every page rebuilt (--all) from the committed outputs: nbval has just
# re-executed each notebook and proved them current.
render: $(STAMP)
	BOOK_EXECUTE=off $(BIN)/jupyter-book build . $(JB_FLAGS) --all

## pdf: the whole book as one PDF, _build/pdf/logits-explained.pdf, also
## copied into _build/html for the intro's link. Built offline from the
## committed outputs as one page (singlehtml) and printed by Chromium with
## the print stylesheet (.ci/print_pdf.py).
pdf: $(STAMP)
	BOOK_EXECUTE=off $(BIN)/jupyter-book build . --builder singlehtml -W -n --keep-going --all
	$(BIN)/python .ci/print_pdf.py _build/singlehtml $(PDF) _build/html/$(notdir $(PDF))

# Needs the built book and the PDF; skips (or, with
# LOGITUTILS_REQUIRE_BROWSER=1, fails) when Chromium or poppler-utils is
# not installed.
browser: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -n auto tests/browser tests/pdf

## execute: re-run every notebook in place so the committed outputs are current
execute: $(STAMP)
	$(BIN)/python .ci/execute_notebooks.py $(NOTEBOOKS)

## bench: build and test timings, per-notebook execution times, numerics table
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_numerics.py

clean:
	rm -rf _build
