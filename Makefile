# The few commands people run. Each creates the virtual environment it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-alone lint format lock bench bench-charts bench-slack bench-discord bench-console bench-web bench-import bench-webload bench-fields bench-cpu bench-digest manifest clean

# Every package comes from requirements-dev.lock, pinned and hashed (pip itself included:
# the venv's own pip upgrades itself from a hashed wheel there); then the project alone,
# editable, built by the setuptools the lock just installed. `pip check` fails when
# pyproject.toml names a package the lock lacks.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
	    echo "pip check failed: if pyproject.toml names a package requirements-dev.lock lacks," \
	        "run make lock (a venv with stray packages: make clean)"; exit 1; }
	touch $(STAMP)

## run: the bot; with no platform credentials, the terminal console on ./scalebot.db
run: $(STAMP)
	$(BIN)/scalebot run

## test: lint (ruff, mypy, hadolint) and the whole test suite
test: lint
	$(BIN)/pytest

## test-alone: `make test` in a fresh clone of HEAD with nothing beside it, as a newcomer has it
test-alone:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	git clone --quiet . "$$tmp/scalebot" && \
	echo "make test in a bare clone of $$(git rev-parse --short HEAD) (no ../shared beside it)" && \
	$(MAKE) --no-print-directory -C "$$tmp/scalebot" test PYTHON=$(PYTHON)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: the core benchmark at 1k and 100k points (add SIZES=1000000 for the big run)
bench: $(STAMP)
	$(BIN)/python bench/core.py $(if $(SIZES),--sizes $(SIZES),)

## bench-charts: a warm chart beside a bare matplotlib script, the first chart, memory
bench-charts: $(STAMP)
	$(BIN)/python bench/charts.py

## bench-slack: signed /scale requests over loopback HTTP, ours against a bare Bolt app
bench-slack: $(STAMP)
	$(BIN)/python bench/slack.py

## bench-discord: /scale through a fake gateway, ours against a bare discord.py bot
bench-discord: $(STAMP)
	$(BIN)/python bench/discord.py

## bench-console: console start-up in a pseudo-terminal, beside a bare python -c
bench-console: $(STAMP)
	$(BIN)/python bench/console.py

## bench-web: the web view's page over loopback beside a bare Datasette table, and its start-up
bench-web: $(STAMP)
	$(BIN)/python bench/web.py

## bench-webload: Slack's acks under `run all` while 10 clients hammer the web view, beside quiet ones
bench-webload: $(STAMP)
	$(BIN)/python bench/webload.py

## bench-soak: `scalebot run all` under a mixed load for MINUTES (default 10), per-minute figures and a verdict
.PHONY: bench-soak
bench-soak: $(STAMP)
	$(BIN)/python bench/soak.py $(if $(MINUTES),--minutes $(MINUTES),)

## bench-import: a CSV import's rows/s, memory, WAL and chat writes beside a raw executemany
bench-import: $(STAMP)
	$(BIN)/python bench/import.py $(if $(ROWS),--rows $(ROWS),)

## lock: re-pin requirements.lock (the image) and requirements-dev.lock (make, CI) with hashes
##       from pyproject.toml's bounds, keeping today's pins (LOCK_ARGS=--upgrade moves them all)
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	$(PIP_COMPILE) $(LOCK_ARGS) --build-deps-for wheel -o requirements.lock pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --build-deps-for editable -c requirements.lock \
	    -o requirements-dev.lock pyproject.toml
	$(MAKE) --no-print-directory $(STAMP)

## bench-fields: start-up with 1,000 and 3,000 community fields beside none
bench-fields: $(STAMP)
	$(BIN)/python bench/fields.py

## bench-publish: `scalebot publish` at 100k points beside a VACUUM INTO of the ledger, 3 runs
.PHONY: bench-publish
bench-publish: $(STAMP)
	$(BIN)/python bench/publish.py

## bench-digest: a week's digest facts at 1k and 100k points beside the floor read
bench-digest: $(STAMP)
	$(BIN)/python bench/digest.py

## bench-cpu: CPU time per command (fastest of 15 batches), to compare two checkouts on a noisy machine
bench-cpu: $(STAMP)
	$(BIN)/python bench/cpu.py --db $(or $(DB),bench-cpu.db)

## manifest: regenerate slack_manifest.yaml from the command declarations
manifest: $(STAMP)
	$(BIN)/python -m bot.slack.manifest > slack_manifest.yaml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
