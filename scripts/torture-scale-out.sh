#!/usr/bin/env bash
# The long form of the scale-out harness (tests/scale_out.rs): 3 `--role extract` and 2
# `--role dedup` processes (a release build) on a NATS server of their own and the machine's
# PostgreSQL, killed with SIGKILL at random moments (a fifth of the kills aimed at the dedup
# owner); then every document once, one new per story, and the story answers equal to one dedup
# process reading the same internal stream. Installs a current nats-server itself.
#
#   scripts/torture-scale-out.sh [--kills K] [--docs N] [--seed S]    (defaults: 100 kills, 50,000 documents)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/torture.sh
torture_long scale_out scale_out_long 100 50000 "services" "$@"
