#!/usr/bin/env bash
# Install n8n for the opt-in automation test (TIELINE_TEST_N8N=1): ~1.8 GB under
# tests/peers/n8n/node_modules, a few minutes (isolated-vm compiles). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)/tests/peers/n8n"
if [ -x "$here/node_modules/.bin/n8n" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "n8n needs Node.js 20 and npm" >&2; exit 1; }
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
