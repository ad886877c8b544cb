#!/usr/bin/env bash
# The long form of the broker torture harness (tests/torture_brokers.rs): NATS in -> PostgreSQL out
# and NATS in -> NATS out, a release build killed with SIGKILL at random moments, the NATS server
# restarted 3 times and the PostgreSQL connections terminated 3 times, then checked for
# exactly-once output. Needs the machine's PostgreSQL; installs a current nats-server itself.
#
#   scripts/torture-brokers.sh [--kills K] [--docs N] [--seed S]    (defaults: 20 kills, 20,000 documents)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/torture.sh
torture_long torture_brokers torture_brokers_long 20 20000 "services" "$@"
