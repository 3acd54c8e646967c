# Everything installs into a local virtualenv (.venv); `make` needs only python3 >= 3.10.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/retail_bank.yaml

CHROMIUM ?= /usr/bin/chromium

.PHONY: install run app test test-fast bench lint clean chromium screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## main job: the planner's app in the browser, on the default scenario
app: $(STAMP)
	$(VENV)/bin/streamlit run app.py --browser.gatherUsageStats false -- $(SCENARIO)

## simulate the default scenario and print its KPI table
run: $(STAMP)
	$(VENV)/bin/ccsim run $(SCENARIO)

## Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser)
chromium: $(CHROMIUM)

$(CHROMIUM):
	bash .ci/install-chromium $(CHROMIUM)

## the whole test suite (what CI runs): lint, then every test
test: $(STAMP) $(CHROMIUM) lint
	$(PY) -m pytest -q

## a quick run while developing: no slow statistics, browser or Dask tests, stop at the first failure
test-fast: $(STAMP)
	$(PY) -m pytest -q -x -m "not slow and not browser and not dask"

## README screenshots of the app's main pages, into tests/images/
screenshots: $(STAMP) $(CHROMIUM)
	$(PY) -m tests.screenshots tests/images

## speed figures (contacts per CPU-second, medians); simulator vs exact answers; forecast
## accuracy and replay on real data; time to optimise staffing;
## sweep wall time with 1 and 2 workers; start-up time of ccsim validate
bench: $(STAMP)
	$(PY) -m benchmarks
	$(PY) -m benchmarks.validation
	$(PY) -m benchmarks.forecast
	$(PY) -m benchmarks.forecast_speed
	$(PY) -m benchmarks.staffing
	$(PY) -m benchmarks.sweep
	$(PY) -m benchmarks.startup
	$(PY) -m benchmarks.week
	$(PY) -m benchmarks.app_speed

## ruff (lint and format) and mypy: part of make test, so CI checks them
lint: $(STAMP)
	$(VENV)/bin/ruff check sim forecasting tests benchmarks app.py
	$(VENV)/bin/ruff format --check sim forecasting tests benchmarks app.py
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy app.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
