#!/usr/bin/env bash
# The one test command: sets up what the tests need on a fresh Debian machine, runs every test, cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build TrustChain.slnx -c Release -warnaserror
dotnet test TrustChain.slnx -c Release --no-build --logger "console;verbosity=normal" 2>&1 | tee .test-output.log
