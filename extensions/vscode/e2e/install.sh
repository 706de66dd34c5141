#!/usr/bin/env bash
# Installs the end-to-end peers into extensions/vscode/e2e/node_modules: code-server 4.100.3
# (VS Code 1.100 in a browser; the last release that runs on Node 20) and playwright-core,
# plus the Debian packages they need (Chromium, ripgrep, headers for code-server's native
# modules). Works offline apart from the package registries. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"

apt_need=()
for pair in "chromium:chromium" "rg:ripgrep" "make:build-essential" "g++:build-essential" "pkg-config:pkg-config" "git:git"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || apt_need+=("${pair#*:}")
done
for pair in "/usr/include/krb5.h:libkrb5-dev" "/usr/include/X11/Xlib.h:libx11-dev" \
            "/usr/include/X11/extensions/XKBfile.h:libxkbfile-dev" "/usr/include/libsecret-1/libsecret/secret.h:libsecret-1-dev"; do
  [ -e "${pair%%:*}" ] || apt_need+=("${pair#*:}")
done
if [ ${#apt_need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing Debian packages: ${apt_need[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_need[@]}" >/dev/null
fi

if [ -x node_modules/.bin/code-server ] && [ ! package-lock.json -nt node_modules ]; then
  exit 0
fi

# @vscode/ripgrep downloads rg from GitHub unless its cache already holds the archive.
export TMPDIR="${TMPDIR:-/tmp}/tieline-e2e-tmp"
cache="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg

export npm_config_yes=true npm_config_unsafe_perm=true
npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
export npm_config_nodedir
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error --foreground-scripts >install.log 2>&1 || { tail -40 install.log; exit 1; }
else
  npm install --no-audit --no-fund --loglevel=error --foreground-scripts >install.log 2>&1 || { tail -40 install.log; exit 1; }
fi
touch node_modules
