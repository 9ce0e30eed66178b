# The only entry points a person needs. Every target bootstraps .venv from pyproject.toml first.
PY_BOOT ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# pytest-xdist workers: two per core. The suite waits more than it computes (servers, child
# processes, poll intervals): on CI's 2 cores, 2 workers kept the CPUs 63 % busy, 4 keep them
# about 85 % busy and finish in 104 s instead of 141 s. PYTEST_WORKERS=N to choose.
# worksteal: an idle worker takes tests queued on another, so a few long tests do not leave
# workers idle at the end.
PYTEST_WORKERS ?= $(shell $(PY_BOOT) -c "import os; print(2 * (len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count() or 1))")
PYTEST  := $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal

.PHONY: help demo test test-fast check docs docs-serve lint format typecheck pytest pytest-httpx2 pytest-client-path generate pull

help:
	@echo "make demo      run the full signing flow (embedded emulator, or ATLAS_API_KEY + ATLAS_BASE_URL)"
	@echo "make test      everything CI runs: generated code in sync, lint, types, docs build, tests"
	@echo "make test-fast the static checks and the tests not marked slow (a quick loop, not what CI runs)"
	@echo "make check     the static checks only (codegen check, ruff, mypy --strict)"
	@echo "make docs      build the documentation site into site/ (mkdocs build --strict)"
	@echo "make docs-serve  serve the documentation on 127.0.0.1:8000, rebuilt as you edit"
	@echo "make generate  regenerate atlas_async/_generated from openapi.json + overrides/"
	@echo "make pull      fetch the live spec, print the API change report, update openapi.json"
	@echo "make bench     benchmarks against raw httpx; rewrites benchmarks/RESULTS.md (BENCH_ARGS=--quick)"

# The package with every extra, plus the PEP 735 `dev` group (pip >= 25.1, hence the upgrade first).
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PY_BOOT) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade 'pip>=25.1' 2>/dev/null
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[all]' --group dev 2>&1 | grep -v "is ignored: it is neither" || true
	@$(PY) -c "import atlas_async, openapi_python_client, mkdocs, mkdocstrings"
	@touch $@

demo: $(STAMP)
	$(PY) examples/demo.py

test: check docs pytest pytest-httpx2 pytest-client-path

# The slow tests (subprocesses, several processes, long hypothesis runs) are left out: CI runs them.
test-fast: check
	$(PYTEST) -m "not slow"

check: $(STAMP)
	$(PY) -m codegen check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# --strict: a broken link, anchor or cross-reference, or a docstring griffe cannot parse, fails.
# NO_MKDOCS_2_WARNING silences mkdocs-material's banner about MkDocs 2 (see docs/dependencies.md).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve --dev-addr 127.0.0.1:8000

pytest: $(STAMP)
	$(PYTEST)

# The client suite and the core's HTTP tests once more on httpx2, the maintained fork of httpx
# (tests/_support/http.py): the SDK runs on either. The rest of the suite does not touch the library.
pytest-httpx2: $(STAMP)
	ATLAS_HTTP_LIBRARY=httpx2 $(PYTEST) -q tests/client tests/core

# The client suite once more through a client of the test's own (Atlas(http_client=...)): the
# runs above take the SDK's own client's path (Atlas(http_transport=...), tests/client/conftest.py).
pytest-client-path: $(STAMP)
	ATLAS_TEST_CLIENT_PATH=client $(PYTEST) -q tests/client

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

generate: $(STAMP)
	$(PY) -m codegen generate

pull: $(STAMP)
	$(PY) -m codegen pull

# The six figures of the performance work, each against its anchor, and bulk throughput;
# rewrites benchmarks/RESULTS.md. BENCH_ARGS="--only cheap --quick" runs a part of it.
.PHONY: bench
bench: $(STAMP)
	$(PY) -m benchmarks $(BENCH_ARGS)
