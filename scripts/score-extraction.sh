#!/usr/bin/env bash
# Scores newsmill's clean + extract on benchmark pages with ground truth.
#
# Usage: scripts/score-extraction.sh BENCH_DIR [SET...]
#   BENCH_DIR  a folder with extraction/<set>/{pages/,ground-truth.json} and score.py
#              (e.g. ../shared/bench); SETs default to every set under extraction/.
# Prints, per set: shingle precision, recall and F1 (the scorer's sh_P, sh_R, sh_F1), and pages/s
# of `newsmill process` (one process, one core, all pages of the set); for a set whose ground truth
# gives page types (WCXB), a line per type under it.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=$(cd "${1:?usage: $0 BENCH_DIR [SET...]}" && pwd)
shift
cargo build --release --quiet --bin newsmill
sets=("$@")
if [ ${#sets[@]} -eq 0 ]; then
  for d in "$bench"/extraction/*/; do sets+=("$(basename "$d")"); done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-22s %6s %6s %6s %7s %9s\n' set sh_P sh_R sh_F1 pages pages/s
for set in "${sets[@]}"; do
  dir="$bench/extraction/$set"
  mapfile -t pages < <(find "$dir/pages" -type f | sort)
  start=$(date +%s.%N)
  # Rejected pages are scored as empty; their reasons go to the log file.
  taskset -c 0 target/release/newsmill process --config /dev/null/none "${pages[@]}" >"$work/$set.jsonl" 2>"$work/$set.log" || true
  end=$(date +%s.%N)
  # Page ids are file names without their extensions (some ids contain dots themselves).
  python3 - "$work/$set.jsonl" <<'PY'
import json, re, sys
path = sys.argv[1]
out = []
for line in open(path, encoding="utf-8"):
    rec = json.loads(line)
    name = rec["source"]["path"].rsplit("/", 1)[-1]
    rec["id"] = re.sub(r"(\.(txt|html?|gz))+$", "", name)
    out.append(json.dumps(rec, ensure_ascii=False))
open(path, "w", encoding="utf-8").write("\n".join(out) + "\n")
PY
  # Sets whose pages have a type (WCXB) are scored per type too.
  by=()
  if python3 -c 'import json, sys; sys.exit(not any("page_type" in r for r in json.load(open(sys.argv[1])).values()))' "$dir/ground-truth.json"; then
    by=(--by page_type)
  fi
  summary=$(python3 "$bench/score.py" "$dir/ground-truth.json" "$work/$set.jsonl" --json "${by[@]}")
  python3 - "$set" "$summary" "${#pages[@]}" "$start" "$end" <<'PY'
import json, sys
name, summary, n, start, end = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
rate = n / max(end - start, 1e-9)
print(f"{name:<22} {summary['sh_P']:6.3f} {summary['sh_R']:6.3f} {summary['sh_F1']:6.3f} {n:7d} {rate:9.0f}")
for value, s in summary.get("by", {}).get("page_type", {}).items():
    print(f"  {value:<20} {s['sh_P']:6.3f} {s['sh_R']:6.3f} {s['sh_F1']:6.3f} {s['pages']:7d}")
PY
done
