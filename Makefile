# The two commands a newcomer needs:
#   make run    set up a private virtual environment and start Tieline (LSP on 127.0.0.1:2087)
#   make test   set up everything the tests need and run lint, types and the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOSTPORT ?= 127.0.0.1:2087

.PHONY: run test setup setup-test peers lint typecheck pytest test-jetbrains test-vscode bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@$(BIN)/tieline doctor || true

run: setup
	@echo "Tieline is listening on $(HOSTPORT); editors normally start 'tieline serve' on stdio themselves."
	$(BIN)/tieline serve --tcp $(HOSTPORT)

setup-test: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	bash scripts/test-peers.sh

lint:
	$(BIN)/ruff check server connectors tests bench
	$(BIN)/ruff format --check server connectors tests bench

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The JetBrains client module (Kotlin, Maven) against the real server; installs Maven/JDK if missing.
test-jetbrains: setup-test
	bash scripts/test-jetbrains.sh $(BIN)/python

# The VS Code extension: unit, protocol and end-to-end (code-server) tests, installing what
# they need (Debian packages, npm packages, code-server) and building the .vsix first.
test-vscode: setup-test
	TEST_PYTHON=$(abspath $(BIN)/python) bash extensions/vscode/scripts/test.sh

test: setup-test lint typecheck pytest test-jetbrains test-vscode

bench: setup-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) tests/peers/node_modules .pytest_cache .mypy_cache .ruff_cache
	rm -rf extensions/jetbrains/client/target
	rm -rf extensions/vscode/node_modules extensions/vscode/e2e/node_modules extensions/vscode/dist extensions/vscode/server
	rm -rf integrations/zapier/node_modules
