#!/usr/bin/env bash
# The long form of the scale-out harness (tests/scale_out.rs): 3 `--role extract` and 2
# `--role dedup` processes (a release build) on a NATS server of their own and the machine's
# PostgreSQL, killed with SIGKILL at random moments (a fifth of the kills aimed at the dedup
# owner); then every document once, one new per story, and the story answers equal to one dedup
# process reading the same internal stream. Installs a current nats-server itself.
#
#   scripts/torture-scale-out.sh [--kills K] [--docs N] [--seed S]    (defaults: 100 kills, 50,000 documents)
set -euo pipefail
kills=100 docs=50000 seed=1
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills="$2"; shift 2 ;;
        --docs) docs="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        *) echo "usage: $0 [--kills K] [--docs N] [--seed S]" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
scripts/test-services.sh >/dev/null
NEWSMILL_REQUIRE_SERVICES=1 NEWSMILL_TORTURE_KILLS="$kills" NEWSMILL_TORTURE_DOCS="$docs" NEWSMILL_TORTURE_SEED="$seed" \
    cargo test --release --test scale_out -- --ignored --nocapture --exact scale_out_long
