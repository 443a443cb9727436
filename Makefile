# Two commands matter: `make demo` (set up, then run the main job on the bundled
# defaults) and `make test` (set up, then run the test suite). Both create .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo test bench quality clean serve test-services

setup: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: it is a CPU wheel on this machine's disk; an unpinned torch
# pulled in by sentence-transformers would be a multi-GB CUDA build.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(VENV)/bin/recognise demo

test: setup
	$(PY) -m pytest -q

# The API on http://127.0.0.1:8000 (docs at /docs): SQLite under .recognition-data/, the sample
# catalogue on first start, the bundled model. Settings: RECOGNITION_* variables or .env.
serve: setup
	$(PY) -m api

# The test suite with a real PostgreSQL server too (installed and started by scripts/postgres.sh).
test-services: setup
	url="$$(bash scripts/postgres.sh start)" && RECOGNITION_TEST_POSTGRES_URL="$$url" $(PY) -m pytest -q

# Ranking quality on every development set: the engine beside TF-IDF, BM25 and the whole-text
# cosine, with bootstrap intervals, abstention and outcome-coverage errors (13 CPU-minutes with
# a cold embedding cache; see benchmarks/README.md). Options, e.g. QUALITY_ARGS="--sets heldout,devsets --json":
# `benchmarks/quality.py --help`; the sets: benchmarks/DATA.md.
QUALITY_ARGS ?=
quality: setup
	$(PY) benchmarks/quality.py $(QUALITY_ARGS)

# Speed tables and the Bloom reader (minutes; `bench_matching.py --sizes 100,1000,10000` for the full run).
bench: setup
	$(PY) benchmarks/bloom_accuracy.py
	$(PY) benchmarks/bench_matching.py --sizes 100,1000
	$(PY) benchmarks/bench_api.py

clean:
	rm -rf $(VENV) .pytest_cache .recognition-cache
