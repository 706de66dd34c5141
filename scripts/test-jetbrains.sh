#!/usr/bin/env bash
# Builds and tests the JetBrains client module (extensions/jetbrains/client) against the real
# server: `mvn -q verify` with the project's Python. Installs Maven and a JDK 17 from Debian when
# missing (root or sudo). Usage: scripts/test-jetbrains.sh PYTHON
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:?usage: $0 PYTHON}
python=$(cd "$(dirname "$python")" && pwd)/$(basename "$python")

java_ok() {
  command -v javac >/dev/null 2>&1 || return 1
  local v
  v=$(javac -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')
  [ "${v:-0}" -ge 17 ] 2>/dev/null
}
if ! command -v mvn >/dev/null 2>&1 || ! java_ok; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing Debian packages: maven openjdk-17-jdk-headless"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=900 install -y -qq maven openjdk-17-jdk-headless >/dev/null
fi

cd extensions/jetbrains/client
rm -rf target/surefire-reports
status=0
mvn -q -B -Dstyle.color=never verify -Dtieline.python="$python" || status=$?

# -q hides Surefire's summary: print one line from its reports.
if compgen -G "target/surefire-reports/TEST-*.xml" >/dev/null; then
  sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)" errors="\([0-9]*\)" skipped="\([0-9]*\)" failures="\([0-9]*\)".*/\1 \2 \3 \4/p' \
    target/surefire-reports/TEST-*.xml |
    awk '{t+=$1; e+=$2; s+=$3; f+=$4} END {printf "jetbrains: %d passed, %d failed, %d skipped\n", t-e-s-f, e+f, s}'
fi
exit $status
