#!/usr/bin/env bash
# The long form of the crash-safety torture harness (tests/torture.rs): a release build of the
# daemon, killed with SIGKILL at random moments while it works through a generated backlog, then
# checked for exactly-once output.
#
#   scripts/torture.sh [--kills K] [--docs N] [--seed S]    (defaults: 100 kills, 100,000 documents)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/torture.sh
torture_long torture torture_long 100 100000 "" "$@"
