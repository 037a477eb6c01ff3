# rongtong: `make run` and `make test` work on a fresh clone with only Python 3.11 installed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-slow lint format bench docs clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $(STAMP)

# the policy comparison: baseline vs foreign cut-off vs cut-off with a policy mix, 20 replicates
# with common random numbers; prints the paired differences, writes results/policy_comparison/
run: $(STAMP)
	$(BIN)/rongtong sweep experiments/policy_comparison.yaml --out results/policy_comparison --fresh

test: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format sim tests benchmarks
	$(BIN)/ruff check --fix sim tests benchmarks

docs: $(STAMP)
	$(BIN)/python -m sim.scenario.docs docs/ODD.md

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
