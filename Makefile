# Two commands do all the set-up:  `make demo`  and  `make test`.
# Both create (or reuse) the virtual environment .venv and install invsl into it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,dask]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m datasets.demo

test: $(STAMP)
	$(BIN)/ruff check invsl tests benchmarks datasets
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q benchmarks --benchmark-only --short --benchmark-json=benchmark-results.json

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-json=benchmark-results.json

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache benchmark-results.json
