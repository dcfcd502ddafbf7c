#!/usr/bin/env bash
# The one bench command: builds in Release, runs every scenario on Orleans silos in this machine (nothing to install,
# no broker), prints the markdown and writes it into docs/benchmarks.md (between its bench:results markers) and
# bench/results.md. Extra arguments go to the bench, e.g. bash bench/run.sh --runs 3 --only nointerest,idle
# TRUSTCHAIN_BENCH_MACHINE_NOTE says what else the machine was doing (written next to its description).
set -euo pipefail
cd "$(dirname "$0")/.."

note="${TRUSTCHAIN_BENCH_MACHINE_NOTE:-A shared machine: other builds and test runs may have run at the same time, so absolute figures are noisy; read the ratios against the baseline measured in the same run, and the spreads.}"

dotnet build bench/TrustChain.Bench -c Release -warnaserror -v q -nologo
dotnet bench/TrustChain.Bench/bin/Release/net10.0/TrustChain.Bench.dll \
  --out bench/results.md --doc docs/benchmarks.md \
  --command "bash bench/run.sh${*:+ $*}" --machine-note "$note" "$@"
