# One command to set up and run the demo, one to pass the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo demo-broken test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The healthy example app, run locally end to end: real handlers, isolated imports,
# log scan, reports in reports/ (exit 0).
demo: $(STAMP)
	$(BIN)/smoke run local

# The two deploy incidents, caught before they ship (each run exits 1, by design; make
# goes on). Their reports and function logs stay apart from the demo's.
demo-broken: $(STAMP)
	-$(BIN)/smoke run local --config examples/broken-layer/smoke.yaml --json reports/broken-layer/ --junit reports/broken-layer/
	-$(BIN)/smoke run local --config examples/broken-router/smoke.yaml --json reports/broken-router/ --junit reports/broken-router/

test: $(STAMP)
	$(BIN)/ruff check smoke tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check smoke tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports/*.json reports/*.xml reports/*.html reports/logs
