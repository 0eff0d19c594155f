# The two commands: `make run` (the app on the demo practice) and `make test` (the whole suite).
# Each sets up what it needs: system packages (apt, as root), a virtual environment, Python packages.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test system venv node-tools bench screenshots clean

system:
	@bash scripts/install-system-packages.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

venv: $(STAMP)

# Prism (Twilio's OpenAPI mock) for the contract tests, pinned, in .tools/node.
node-tools:
	@bash scripts/install-node-tools.sh

run: system venv
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found: starting the app on a virtual screen (Xvfb :99; screenshot with DISPLAY=:99 import -window root shot.png)."; \
	  Xvfb :99 -screen 0 1440x900x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$$!; sleep 1; \
	  DISPLAY=:99 $(BIN)/engage-desktop --demo; status=$$?; kill $$xvfb; exit $$status; \
	else \
	  $(BIN)/engage-desktop --demo; \
	fi

test: system venv node-tools
	ENGAGE_REQUIRE_SERVERS=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider

# Every benchmark in bench/README.md, in the order they depend on (search and startup use the
# mirror sync_bench keeps). About 25 minutes on 2 cores; each prints its own figures.
bench: system venv
	$(BIN)/python bench/sync_bench.py --patients 100000
	$(BIN)/python bench/search_bench.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/startup_bench.py
	$(BIN)/python bench/matching_bench.py
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/messaging_bench.py

clean:
	rm -rf $(VENV) .tools build dist src/*.egg-info
