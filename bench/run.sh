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

# Retained memory: 2,000 requests of 1 MB (each body its own, or each result 1 MB), at the default MaxRetainedBytes
# and at 32 MiB; one process per row, since a process's resident set never shrinks back. Skipped with --only.
if [[ " $* " != *" --only "* ]]; then
  bench_dll=bench/TrustChain.Bench/bin/Release/net10.0/TrustChain.Bench.dll
  for spec in "Payload default" "Payload 33554432" "Result default" "Result 33554432"; do
    # shellcheck disable=SC2086
    DOTNET_gcServer=1 dotnet "$bench_dll" retained $spec | tail -n 1
  done | dotnet "$bench_dll" retained-doc docs/benchmarks.md
fi
