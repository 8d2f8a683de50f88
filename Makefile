# Two commands do all the set-up:  `make demo`  and  `make test`.
# Both create (or reuse) the virtual environment .venv and install invsl into it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# mypy checks the whole package (the public API and every module under it)
TYPED  := invsl

.PHONY: demo test lint format-check typecheck docs docs-serve fuzz bench venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,docs,dask,plot]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m datasets.demo

# the tests (tests/ and the docstring examples of invsl/, see pyproject.toml), the wheel
# install test (tests/test_packaging.py), lint, types, the docs site, a short benchmark run
test: $(STAMP) lint format-check typecheck docs
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q benchmarks --benchmark-only --short --benchmark-json=benchmark-results.json

# ruff, and the import rules of docs/architecture.md (the import-linter contract in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check invsl tests benchmarks datasets
	$(BIN)/lint-imports

# part of `test` (the code base was formatted once, in session 2)
format-check: $(STAMP)
	$(BIN)/ruff format --check invsl tests benchmarks datasets

typecheck: $(STAMP)
	$(BIN)/mypy $(TYPED)

# the docs site (mkdocs.yml, docs/), warnings as errors; the HTML goes to site/
# (no --quiet: it hides the warnings from --strict, which then passes a broken link)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: $(STAMP)
	$(BIN)/mkdocs serve

# a long randomized fuzz and property run for maintainers (see docs/contributing.md)
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=explore $(BIN)/python -m pytest -q tests/test_fuzz.py tests/test_bad_input.py tests/test_properties.py

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-json=benchmark-results.json

clean:
	rm -rf $(VENV) build dist site *.egg-info .pytest_cache benchmark-results.json
