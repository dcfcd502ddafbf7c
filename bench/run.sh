#!/usr/bin/env bash
# The one bench command: builds in Release, runs every scenario on Orleans silos in this machine (nothing to install,
# no broker), prints the markdown and writes it into docs/benchmarks.md (between its bench:results markers) and
# bench/results.md. Extra arguments go to the bench, e.g. bash bench/run.sh --runs 3 --only nointerest,idle
# TRUSTCHAIN_BENCH_MACHINE_NOTE says what else the machine was doing (written next to its description).
# The cluster rows run on a private redis-server this script starts (installed from Debian when missing and we are
# root), on a free port with its data in a temporary folder, nothing saved; stopped on exit. Not started when --only
# leaves the cluster out, or when --redis names one.
set -euo pipefail
cd "$(dirname "$0")/.."

redis_args=()
needs_redis=1
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --only) [[ ",${args[i + 1]:-}," == *,cluster,* || ",${args[i + 1]:-}," == *,CLUSTER,* ]] || needs_redis=0 ;;
    --redis) needs_redis=0 ;;
  esac
done
if [[ "$needs_redis" == 1 ]]; then
  if ! command -v redis-server >/dev/null 2>&1; then
    if [[ "$(id -u)" != 0 ]]; then
      echo "redis-server is not installed and this is not root: install it (apt-get install redis-server), pass --redis host:port, or leave the cluster rows out with --only." >&2
      exit 1
    fi
    echo "Installing redis-server"
    DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server </dev/null
  fi
  # shellcheck source=scripts/private-redis.sh
  source scripts/private-redis.sh
  start_private_redis
  echo "Redis for the cluster rows at $PRIVATE_REDIS" >&2
  redis_args=(--redis "$PRIVATE_REDIS")
fi

note="${TRUSTCHAIN_BENCH_MACHINE_NOTE:-A shared machine: other builds and test runs may have run at the same time, so absolute figures are noisy; read the ratios against the baseline measured in the same run, and the spreads.}"

dotnet build bench/TrustChain.Bench -c Release -warnaserror -v q -nologo
# A row with failed requests makes the tool exit 1 (after writing its report): the retained rows still run, and the
# script exits 1 at the end.
status=0
dotnet bench/TrustChain.Bench/bin/Release/net10.0/TrustChain.Bench.dll \
  --out bench/results.md --doc docs/benchmarks.md \
  --command "bash bench/run.sh${*:+ $*}" --machine-note "$note" "${redis_args[@]}" "$@" || status=$?

# Retained memory: 2,000 requests of 1 MB (each body its own, or each result 1 MB), at the default MaxRetainedBytes
# and at 32 MiB; one process per row, since a process's resident set never shrinks back. Skipped with --only.
if [[ " $* " != *" --only "* ]]; then
  bench_dll=bench/TrustChain.Bench/bin/Release/net10.0/TrustChain.Bench.dll
  for spec in "Payload default" "Payload 33554432" "Result default" "Result 33554432"; do
    # shellcheck disable=SC2086
    DOTNET_gcServer=1 dotnet "$bench_dll" retained $spec | tail -n 1
  done | dotnet "$bench_dll" retained-doc docs/benchmarks.md
fi
exit "$status"
