#!/usr/bin/env bash
# The one test command: sets up what the tests need on a fresh Debian machine, runs every test, cleans up.
#
# The RabbitMQ tests need a broker; they fail (never skip) without one. This script:
#   - uses TRUSTCHAIN_TEST_RABBITMQ_URI as it is when it is set (a broker of your own; nothing is started);
#   - otherwise uses the broker already answering on 127.0.0.1:$TRUSTCHAIN_TEST_RABBITMQ_PORT (default 5672);
#   - otherwise starts a private one (its data and logs in a temporary folder), installing rabbitmq-server from
#     Debian first when it is missing and we are root, and stops it again on exit.
#   - installs chromium (Debian) when missing and we are root, and tests/browser's npm packages, for the browser test.
# Extra arguments go to dotnet test, e.g. bash scripts/test.sh --filter "FullyQualifiedName~RabbitMQ".
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/broker.sh

# The journey page's browser test drives Debian's chromium with playwright-core (tests/browser); it fails, never
# skips, without them. What is missing is installed from Debian when we are root, like the broker.
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
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

dotnet build TrustChain.slnx -c Release -warnaserror
dotnet test TrustChain.slnx -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee .test-output.log
exit "${PIPESTATUS[0]}"
