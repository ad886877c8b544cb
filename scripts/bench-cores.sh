#!/usr/bin/env bash
# How well the daemon uses the machine's cores: clean + extract alone on one core
# (examples/bench_extract, pages in memory) against `newsmill run --once` on every core over the
# same pages as files (source, channels, dedup, serialization, sink and commits included), side by
# side, and their ratio. Also runs two bench_extract processes at once, one per core: what the
# machine itself gives two independent workers, the ceiling for any ratio. The daemon's rate is shown
# as measured, and without its fixed start and stop cost (less a run over a fifth of the copies),
# the rate a daemon that runs for weeks keeps. Last, the CPU a page each stage took in the last run.
#
#   scripts/bench-cores.sh [--copies K] [--runs R] DIR [DIR...]
#
# DIR holds page dumps (*.txt) or HTML pages (*.html, *.html.gz, unpacked); each page is copied K times
# (default 40) into a scratch inbox. Each measurement runs R times (default 5); medians are shown.
set -euo pipefail
copies=40 runs=5 dirs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --copies) copies="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        -*) echo "usage: $0 [--copies K] [--runs R] DIR [DIR...]" >&2; exit 2 ;;
        *) dirs+=("$(cd "$1" && pwd)"); shift ;;
    esac
done
[ ${#dirs[@]} -gt 0 ] || { echo "usage: $0 [--copies K] [--runs R] DIR [DIR...]" >&2; exit 2; }
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin newsmill --example bench_extract
bin=$PWD/target/release/newsmill bench=$PWD/target/release/examples/bench_extract
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/inbox"
for k in $(seq 1 "$copies"); do
    for d in "${dirs[@]}"; do
        for f in "$d"/*.txt "$d"/*.html; do
            [ -e "$f" ] && cp "$f" "$work/inbox/c${k}_$(basename "$d")_$(basename "$f")"
        done
        # Stored unpacked, as bench_extract holds them: inflating is the source's work, not
        # the pipeline's (about 0.4 ms for a 190 KB page).
        for f in "$d"/*.html.gz; do
            [ -e "$f" ] && gzip -dc "$f" > "$work/inbox/c${k}_$(basename "$d")_$(basename "$f" .gz)"
        done
    done
done
# Written out before timing: the kernel writing gigabytes of fresh copies back meanwhile would
# take CPU from whichever measurement it fell on.
sync
pages=$(find "$work/inbox" -type f | wc -l)
# A fifth of the copies, for the daemon's fixed cost (start: config and rules, state; stop: the
# last commit), which bench_extract does not time: two runs' difference gives the rate a
# long-running daemon keeps.
small_copies=$(( copies / 5 > 0 ? copies / 5 : 1 ))
mkdir -p "$work/small"
find "$work/inbox" -type f | grep -E "/c($(seq -s '|' 1 "$small_copies"))_" | xargs -r -I{} ln {} "$work/small/"
small=$(find "$work/small" -type f | wc -l)
cat > "$work/newsmill.toml" <<EOF
[source]
paths = ["$work/inbox"]
settle_ms = 0
[sink]
path = "$work/out/articles.jsonl"
[dead_letter]
path = "$work/out/rejected.jsonl"
[state]
dir = "$work/state"
[metrics]
enabled = false
[log]
level = "warn"
EOF
sed -e "s#$work/inbox#$work/small#" -e "s#$work/out#$work/out-small#" -e "s#$work/state#$work/state-small#" \
    "$work/newsmill.toml" > "$work/small.toml"
cores=$(nproc)
# pages/s of bench_extract's last line
rate() { sed -n 's/.* in .* s: \([0-9]*\) pages\/s.*/\1/p' | tail -1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Rounds interleave the three measurements, so that a slow spell of a shared machine falls on all
# of them alike; the medians are reported.
: > "$work/one"; : > "$work/pair"; : > "$work/daemon"; : > "$work/steady"
for _ in $(seq 1 "$runs"); do
    taskset -c 0 "$bench" --pages "$pages" "${dirs[@]}" 2>&1 | rate >> "$work/one"
    taskset -c 0 "$bench" --pages "$pages" "${dirs[@]}" > "$work/b0" 2>&1 &
    taskset -c 1 "$bench" --pages "$pages" "${dirs[@]}" > "$work/b1" 2>&1
    wait
    echo $(( $(rate < "$work/b0") + $(rate < "$work/b1") )) >> "$work/pair"
    rm -rf "$work/out" "$work/state"
    start=$(date +%s.%N)
    # `times` prints the shell's and then its children's user and system time.
    cpu=$( ( "$bin" run --once --config "$work/newsmill.toml" > "$work/summary"; times ) | tail -1 |
        awk '{ for (i = 1; i <= 2; i++) { split($i, t, "m"); sub("s", "", t[2]); s += t[1] * 60 + t[2] } print s }')
    end=$(date +%s.%N)
    awk -v p="$pages" -v a="$start" -v b="$end" -v c="$cpu" 'BEGIN { print p / (b - a), c }' >> "$work/daemon"
    rm -rf "$work/out-small" "$work/state-small"
    small_start=$(date +%s.%N)
    "$bin" run --once --config "$work/small.toml" > /dev/null
    awk -v p="$pages" -v q="$small" -v a="$start" -v b="$end" -v c="$small_start" -v d="$(date +%s.%N)" \
        'BEGIN { print (p - q) / ((b - a) - (d - c)) }' >> "$work/steady"
done
# One core's rate: alone, or half of two at once, whichever is higher (a shared machine's single
# runs are sometimes the slower).
one=$(awk -v a="$(median < "$work/one")" -v b="$(median < "$work/pair")" 'BEGIN { print (a > b / 2) ? a : b / 2 }')
pair=$(median < "$work/pair")
daemon_best=$(cut -d' ' -f1 "$work/daemon" | median)
steady=$(median < "$work/steady")
cpu_best=$(cut -d' ' -f2 "$work/daemon" | median)
printf 'pages: %d (%d copies of %s)\n' "$pages" "$copies" "${dirs[*]}"
awk -v one="$one" -v pair="$pair" -v d="$daemon_best" -v steady="$steady" -v small="$small" -v cpu="$cpu_best" -v n="$pages" -v cores="$cores" 'BEGIN {
    printf "clean + extract, 1 core:            %7.0f pages/s  (%.3f ms CPU a page)\n", one, 1000 / one
    printf "two of those at once, 1 core each:  %7.0f pages/s  (%.2fx: the machine\047s own ceiling)\n", pair, pair / one
    printf "newsmill run --once, %d cores:       %7.0f pages/s  (%.2fx)\n", cores, d, d / one
    printf "  the same without start and stop:  %7.0f pages/s  (%.2fx; less a run over %d pages)\n", steady, steady / one, small
    printf "daemon CPU a page:                  %.3f ms, of which outside clean + extract %.3f ms\n", 1000 * cpu / n, 1000 * cpu / n - 1000 / one
}'
# Where the daemon's CPU went, from its last run's summary: each stage's workers, and the rest
# (start, the runtime's threads: scanning, commits, the last commit).
python3 - "$work/summary" "$pages" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
n = int(sys.argv[2])
staged = sum(st["cpu_ms"] for st in s["stages"])
print("daemon CPU a page by stage (last run):", "  ".join(f"{st['stage']} {st['cpu_ms'] / n:.3f}" for st in s["stages"]),
      f" none {(s['cpu_ms'] - staged) / n:.3f}  (ms; process {s['cpu_ms'] / n:.3f})")
PY
