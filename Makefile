# Two commands on a fresh machine: `make book` and `make test`.
# Both create .venv from requirements.txt when it is missing or out of date.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed

NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb))

# nbval re-runs every chapter in a fresh kernel and compares each output,
# after the rewrites in the sanitize file, with the committed one.
NBVAL_FLAGS := --nbval --nbval-current-env \
	--nbval-sanitize-with .ci/nbval_sanitize.cfg \
	--nbval-cell-timeout=120 -p no:cacheprovider

.PHONY: all book test venv unit lint nbval browser execute clean

all: book

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(STAMP)

## book: build the HTML book into _build/html (warnings are errors)
book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going

## test: lint, unit tests and doctests, notebook validation, book build,
## and the built book checked in a real browser
test: lint unit nbval book browser

unit: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests logitutils --ignore=tests/browser

lint: $(STAMP)
	$(BIN)/ruff check logitutils tests benchmarks chapters .ci

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_FLAGS) $(NOTEBOOKS)

# Needs the built book; skips (or, with LOGITUTILS_REQUIRE_BROWSER=1, fails)
# when Chromium is not installed.
browser: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests/browser

## execute: re-run every notebook in place so the committed outputs are current
execute: $(STAMP)
	$(BIN)/python .ci/execute_notebooks.py $(NOTEBOOKS)

clean:
	rm -rf _build
