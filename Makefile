# Everything installs into a local virtualenv (.venv); `make` needs only python3 >= 3.10.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/retail_bank.yaml

.PHONY: install run test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## main job: simulate the default scenario and print its KPI table
run: $(STAMP)
	$(VENV)/bin/ccsim run $(SCENARIO)

## the whole test suite (what CI runs)
test: $(STAMP)
	$(PY) -m pytest -q

## speed figures (contacts per CPU-second, medians; sweep wall time with 1 and 2 workers)
bench: $(STAMP)
	$(PY) -m benchmarks
	$(PY) -m benchmarks.sweep

lint: $(STAMP)
	$(VENV)/bin/ruff check sim forecasting tests benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
