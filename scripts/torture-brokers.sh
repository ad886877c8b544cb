#!/usr/bin/env bash
# The long form of the broker torture harness (tests/torture_brokers.rs): NATS in -> PostgreSQL out
# and NATS in -> NATS out, a release build killed with SIGKILL at random moments, the NATS server
# restarted 3 times and the PostgreSQL connections terminated 3 times, then checked for
# exactly-once output. Needs the machine's PostgreSQL; installs a current nats-server itself.
#
#   scripts/torture-brokers.sh [--kills K] [--docs N] [--seed S]    (defaults: 20 kills, 20,000 documents)
set -euo pipefail
kills=20 docs=20000 seed=1
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
    cargo test --release --test torture_brokers -- --ignored --nocapture --exact torture_brokers_long
