# Marsad: the two commands a new machine needs are `make run` and `make test`.
CORPUS ?= ../shared/corpus
INDEX ?= data/index
HOST ?= 127.0.0.1
PORT ?= 5000
VENV := .venv/bin

.PHONY: setup run index serve lint test test-fast bench bench-scale clean

setup:
	bash scripts/setup.sh

# Build the index from the corpus, then serve the web UI.
run: setup
	$(VENV)/marsad index build $(CORPUS) --index $(INDEX)
	$(VENV)/marsad serve --index $(INDEX) --host $(HOST) --port $(PORT)

index: setup
	$(VENV)/marsad index build $(CORPUS) --index $(INDEX)

serve: setup
	$(VENV)/marsad serve --index $(INDEX) --host $(HOST) --port $(PORT)

# Lint (ruff: rules in pyproject.toml) and type check (mypy over the marsad namespace).
lint: setup
	$(VENV)/ruff check .
	bash scripts/typecheck.sh

# Lint, then the whole test suite (browser tests included: installs Debian's chromium).
test: lint
	bash scripts/install-browser.sh
	$(VENV)/pytest -n 2 -q

test-fast: lint
	$(VENV)/pytest -n 2 -q -m "not browser and not slow"

bench: setup
	$(VENV)/python bench/run_all.py

# Marsad beside the Lucene baseline on 1x and 10x replicas (REPLICAS=1,10,100 for 3.1M: hours).
REPLICAS ?= 1,10
bench-scale: setup
	$(VENV)/python bench/bench_scale.py --replicas $(REPLICAS)

clean:
	rm -rf .venv data build *.egg-info .pytest_cache .typecheck .mypy_cache .ruff_cache
