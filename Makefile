# Every target bootstraps .venv itself: a fresh clone needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch first and pinned: this exact CPU build is what our machines install without pulling CUDA.
TORCH := torch==2.13.0

# The report's browser tests drive Debian's Chromium, never a downloaded build.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: setup demo test lint bench bench-rank bench-peers scaling clean browser fuzz

setup: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(TORCH)
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/tickercast demo

$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver

browser: $(CHROMIUM)

test: setup browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -n auto --dist loadfile

# The hostile-file suite at length: about 4,200 mutated price files instead of make test's 136 (not timed yet).
fuzz: setup
	TICKERCAST_FUZZ=long $(BIN)/python -m pytest tests/data/test_fuzz_files.py -p no:cacheprovider --hypothesis-show-statistics

lint: setup
	$(BIN)/ruff check src tests benchmarks

# tickercast alone on issue 6's canonical job and issue 16's many-networks cases (ten networks batched and one by
# one, 5-member ensembles, the gradient lab, memory of ten together, the arithmetic floor; about 15 minutes), with a
# goals table; then issue 14's inputs: the feature catalogue on 5,000 days and training on ten inputs against
# returns alone. `python benchmarks/bench.py --quick` is a one-epoch smoke run of the first part.
bench: setup
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench_features.py
	$(BIN)/python benchmarks/bench_inputs.py

# issue 15's rank study: djia30 with defaults (target < 15 min on 2 cores), then 500 tickers x 5 years with
# --epochs 1 (target < 4 GB); minutes to a quarter of an hour, so not part of `make bench`.
bench-rank: setup
	$(BIN)/python benchmarks/bench_rank.py

# ... and against a plain PyTorch loop, Darts and NeuralForecast, from their own environment, with the ten
# networks as ten Darts fits beside them; writes docs/benchmarks.md (~45 min).
PEERS := .venv-peers
$(PEERS)/.installed: | $(VENV)/.installed
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet $(TORCH)
	echo "$(TORCH)" > $(PEERS)/constraints.txt
	$(PEERS)/bin/python -m pip install --quiet -c $(PEERS)/constraints.txt 'darts[torch]==0.48.1' 'neuralforecast==3.3.0' -e .
	touch $@

bench-peers: setup $(PEERS)/.installed
	$(BIN)/python benchmarks/bench.py --peers --out docs/benchmarks.md

# The sweep's 1 -> 2 worker speed-up and cost per unit here, and the 150,000-training sweep on paper (~5 min).
scaling: setup
	$(BIN)/python benchmarks/sweep_scaling.py --out docs/scaling.md

clean:
	rm -rf $(VENV) $(PEERS) runs .pytest_cache .ruff_cache .hypothesis
