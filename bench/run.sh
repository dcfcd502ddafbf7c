#!/usr/bin/env bash
# The one bench command: builds in Release, provides a RabbitMQ broker (as scripts/test.sh does: yours through
# TRUSTCHAIN_TEST_RABBITMQ_URI, the one on 127.0.0.1:$TRUSTCHAIN_TEST_RABBITMQ_PORT, or a private one it starts and
# stops), runs every scenario and prints the markdown table (also written to bench/results.md).
# Extra arguments go to the bench, e.g. bash bench/run.sh --runs 3 --only order,nested --engines embedded
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/broker.sh

dotnet build bench/TrustChain.Bench -c Release -warnaserror
dotnet bench/TrustChain.Bench/bin/Release/net10.0/TrustChain.Bench.dll --out bench/results.md "$@"
