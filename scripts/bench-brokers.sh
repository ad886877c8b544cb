#!/usr/bin/env bash
# NATS in -> PostgreSQL out next to files in -> files out, on the same pages, in the same run
# (examples/bench_brokers.rs): docs/s of each and their ratio, medians of R alternated runs.
# Needs the machine's PostgreSQL; installs a current nats-server itself.
#
#   scripts/bench-brokers.sh [--copies K] [--runs R] DIR [DIR...]    (DIR: *.txt or *.html pages)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-services.sh >/dev/null
cargo build --release --quiet --bin newsmill --example bench_brokers
target/release/examples/bench_brokers --bin target/release/newsmill \
    --nats-server target/test-tools/nats/bin/nats-server "$@"
