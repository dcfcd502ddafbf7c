#!/usr/bin/env bash
# The one test command: sets up what the tests need on a fresh Debian machine, runs every test, cleans up.
#
# The RabbitMQ tests need a broker; they fail (never skip) without one. This script:
#   - uses TRUSTCHAIN_TEST_RABBITMQ_URI as it is when it is set (a broker of your own; nothing is started);
#   - otherwise uses the broker already answering on 127.0.0.1:$TRUSTCHAIN_TEST_RABBITMQ_PORT (default 5672);
#   - otherwise starts a private one (its data and logs in a temporary folder), installing rabbitmq-server from
#     Debian first when it is missing and we are root, and stops it again on exit.
# Extra arguments go to dotnet test, e.g. bash scripts/test.sh --filter "FullyQualifiedName~RabbitMQ".
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/broker.sh

dotnet build TrustChain.slnx -c Release -warnaserror
dotnet test TrustChain.slnx -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee .test-output.log
exit "${PIPESTATUS[0]}"
