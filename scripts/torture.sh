#!/usr/bin/env bash
# The long form of the crash-safety torture harness (tests/torture.rs): a release build of the
# daemon, killed with SIGKILL at random moments while it works through a generated backlog, then
# checked for exactly-once output.
#
#   scripts/torture.sh [--kills K] [--docs N] [--seed S]    (defaults: 100 kills, 100,000 documents)
set -euo pipefail
kills=100 docs=100000 seed=1
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills="$2"; shift 2 ;;
        --docs) docs="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        *) echo "usage: $0 [--kills K] [--docs N] [--seed S]" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
NEWSMILL_TORTURE_KILLS="$kills" NEWSMILL_TORTURE_DOCS="$docs" NEWSMILL_TORTURE_SEED="$seed" \
    cargo test --release --test torture -- --ignored --nocapture --exact torture_long
