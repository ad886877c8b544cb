#!/usr/bin/env bash
# Scale-out figures (examples/bench_scale_out.rs): docs/s of 1 and 2 `--role extract` processes
# sharing one input consumer, and of the `--role dedup` owner fed from the internal stream into
# PostgreSQL. Needs the machine's PostgreSQL; installs a current nats-server itself.
#
#   scripts/bench-scale-out.sh [--copies K] [--workers W] [--pin] DIR [DIR...]    (DIR: *.txt or *.html pages)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-services.sh >/dev/null
cargo build --release --quiet --bin newsmill --example bench_scale_out
target/release/examples/bench_scale_out --bin target/release/newsmill \
    --nats-server target/test-tools/nats/bin/nats-server "$@"
