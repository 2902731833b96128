# Two commands do everything on a fresh machine with Python >= 3.11 and make:
#   make demo   create .venv, install labstats, run the main job on real NHANES data
#               shipped with labstats (DATA=nhanes, the default; DATA=synthetic for the
#               synthetic cohort, DATA=/path/to/CDC/files for downloaded NHANES files)
#               (writes $(OUT)/report/index.html: every notebook executed, with figures)
#   make test   install the test dependencies, lint, run the whole suite
#   make docs   build the documentation site into docs/_build/html (Sphinx, warnings are errors)
#   make lab    open the notebooks in JupyterLab (the .py notebooks open as notebooks)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= demo-output
DATA   ?= nhanes

.PHONY: demo test lint bench docs lab clean help

help:
	@echo "make demo   # install and run the main job on real NHANES (writes $(OUT)/; DATA=synthetic)"
	@echo "make test   # install test dependencies, lint and run the whole suite"
	@echo "make bench  # run the benchmarks (ratios, not timings)"
	@echo "make docs   # build the documentation into docs/_build/html"
	@echo "make lab    # JupyterLab on notebooks/ (ARGS=... go to jupyter lab)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "labstats needs Python >= 3.11; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

demo: $(VENV)/.installed
	$(BIN)/labstats demo --out $(OUT)
	$(BIN)/labstats report --data $(DATA) --out $(OUT)/report

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests notebooks benchmarks conftest.py docs scripts

test: lint
	@bash scripts/ensure_chromium.sh
	MPLBACKEND=Agg $(BIN)/python -m pytest

docs: $(VENV)/.installed-test
	MPLBACKEND=Agg $(BIN)/python -m sphinx -b html -W --keep-going -n docs docs/_build/html
	@echo "open docs/_build/html/index.html"

lab: $(VENV)/.installed
	$(BIN)/python scripts/lab.py $(ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache .hypothesis docs/_build docs/api docs/notebooks docs/validated.md
