#!/usr/bin/env bash
# The one test command: sets up what the tests need on a fresh Debian machine, runs every test, cleans up.
#
# Most tests run on Orleans' in-process test cluster and on the API's co-hosted silo: nothing to start for them. The
# process tests (tests/TrustChain.Tests/Redis) run silo and API processes on a real Redis: this script installs
# redis-server (Debian) when missing and we are root, starts a private one on a free port with its data in a temporary
# folder, hands its address to the tests (TRUSTCHAIN_TEST_REDIS) and stops it on exit; those tests fail (never skip)
# without it. It also installs chromium when missing, and tests/browser's npm packages, for the journey page's browser
# test, which fails (never skips) without them.
# Extra arguments go to dotnet test, e.g. bash scripts/test.sh --filter "FullyQualifiedName~Cluster".
set -euo pipefail
cd "$(dirname "$0")/.."

# What is missing is installed from Debian when we are root.
install_missing() { # command, Debian packages..., what to do otherwise
  local command="$1" hint="${*: -1}"
  local packages=("${@:2:$#-2}")
  command -v "$command" >/dev/null 2>&1 && return
  if [[ "$(id -u)" != 0 ]]; then
    echo "$command is not installed and this is not root: $hint" >&2
    exit 1
  fi
  echo "Installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update </dev/null
  apt-get install -y --no-install-recommends "${packages[@]}" </dev/null
}
if [[ -z "${CHROMIUM_PATH:-}" ]]; then
  install_missing chromium chromium "install it (apt-get install chromium) or set CHROMIUM_PATH."
fi
install_missing node nodejs npm "install Node.js 20 or later (apt-get install nodejs npm)."
install_missing redis-server redis-server "install it (apt-get install redis-server): the process tests run on a private Redis."
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

# A private Redis for this run: a free port, its data in a temporary folder, nothing saved; stopped on exit.
# shellcheck source=scripts/private-redis.sh
source scripts/private-redis.sh
start_private_redis
export TRUSTCHAIN_TEST_REDIS="$PRIVATE_REDIS"
echo "Redis for the process tests at $TRUSTCHAIN_TEST_REDIS"

dotnet build TrustChain.slnx -c Release -warnaserror
set +e
dotnet test TrustChain.slnx -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee .test-output.log
status="${PIPESTATUS[0]}"
exit "$status"
