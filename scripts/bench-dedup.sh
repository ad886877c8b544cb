#!/usr/bin/env bash
# Scores and times newsmill's dedup on a generated wire-copy stream with ground truth.
#
# Usage: scripts/bench-dedup.sh BENCH_DIR [--n N] [--seed S] [--max-story-size M]
#   BENCH_DIR  a folder with dedup/{gen_stream.py,score_dedup.py} (e.g. ../shared/bench).
# Generates the stream once (cached in $TMPDIR/newsmill-dedup-bench), runs `newsmill run --once` on
# it with dedup in tag mode, and prints the scorer's ARI and pairwise P/R, the share of template
# stories (`kind = template_negative`) merged with the story they were made from, the pipeline's
# documents/s and peak RSS, and the dedup stage alone on one core (examples/bench_dedup).
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$(cd "${1:?usage: $0 BENCH_DIR [--n N] [--seed S] [--max-story-size M]}" && pwd)
shift
n=20000 seed=1 story=0
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --max-story-size) story=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
cargo build --release --quiet --bin newsmill --example bench_dedup
cache="${TMPDIR:-/tmp}/newsmill-dedup-bench"
mkdir -p "$cache"
stream="$cache/stream_n${n}_s${seed}_m${story}.jsonl"
if [ ! -s "$stream" ]; then
  echo "generating $stream ..." >&2
  python3 "$bench/dedup/gen_stream.py" --pool-split dev --n "$n" --seed "$seed" --max-story-size "$story" \
    --out "$stream.part" 2>/dev/null
  mv "$stream.part" "$stream"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
# A copy, not a link: the source does not follow a link out of its directories (source.follow_symlinks).
cp "$stream" "$work/in/stream.jsonl"
cat >"$work/newsmill.toml" <<TOML
[source]
paths = ["$work/in"]
[dedup]
action = "tag"
[sink]
path = "$work/out/articles.jsonl"
[dead_letter]
path = "$work/out/rejected.jsonl"
[state]
dir = "$work/state"
[log]
level = "warn"
TOML
# Read the stream once so that the timing does not measure the disk.
cat "$stream" >/dev/null
python3 - "$work" "$n" <<'PY'
import resource, subprocess, sys, time
work, n = sys.argv[1], int(sys.argv[2])
start = time.time()
subprocess.run(["target/release/newsmill", "run", "--once", "--config", f"{work}/newsmill.toml"],
               check=True, stdout=subprocess.DEVNULL)
secs = time.time() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"pipeline: {n} docs in {secs:.1f} s = {n / secs:.0f} docs/s, peak RSS {rss:.0f} MB")
PY
python3 "$bench/dedup/score_dedup.py" "$stream" "$work/out/articles.jsonl"
python3 - "$stream" "$work/out/articles.jsonl" <<'PY'
import json, sys
story = {}
for line in open(sys.argv[2], encoding="utf-8"):
    d = json.loads(line)
    story[d["id"]] = d.get("story_id")
neg = merged = 0
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    if d["kind"] == "template_negative":
        neg += 1
        merged += story.get(d["id"]) is not None and story.get(d["id"]) == story.get(d["parent"])
print(f"template stories merged with their source story: {merged}/{neg} = {merged / max(neg, 1):.1%}")
PY
taskset -c 0 target/release/examples/bench_dedup "$work/out/articles.jsonl" | sed 's/^/dedup stage alone, one core: /'
