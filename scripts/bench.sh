#!/usr/bin/env bash
# End-to-end benchmark: builds in release mode, generates a backlog of seed-shaped page dumps
# (once; reused while --docs is unchanged) and runs `newsmill run --once` over it.
# Usage: scripts/bench.sh [--docs N] [--dir DIR]      (default: 120000 pages, about 1 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin newsmill --example bench_pipeline
exec target/release/examples/bench_pipeline "$@"
