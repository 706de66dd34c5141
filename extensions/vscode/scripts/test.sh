#!/usr/bin/env bash
# Everything the VS Code extension's tests need, from scratch, then the tests themselves:
#   Debian packages, code-server 4.100.3 + playwright-core (e2e/install.sh), npm ci,
#   typecheck, unit tests, the server wheels + .vsix, the protocol test against the real
#   Python server, and the end-to-end test in code-server.
# Env: TEST_PYTHON (a Python with the server's dependencies; default: the
# repository's .venv) is also used to build the wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(cd ../.. && pwd)"
export TEST_PYTHON="${TEST_PYTHON:-$repo/.venv/bin/python}"
export WHEEL_PYTHON="${WHEEL_PYTHON:-$TEST_PYTHON}"
step() { printf '\n== vscode: %s (%ss)\n' "$1" "$SECONDS"; }

step "installing code-server, playwright-core and Chromium"
bash e2e/install.sh

step "npm ci"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi

step "typecheck"
npx tsc --noEmit -p .

step "unit tests"
npx vitest run test/unit

step "server wheels and .vsix"
npm run --silent vsix

step "protocol test (real server, schema-checked)"
npx vitest run test/protocol

step "end-to-end test (code-server 4.100.3)"
npx vitest run --config e2e/vitest.config.mts

step "done"
