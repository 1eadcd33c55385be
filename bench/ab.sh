#!/usr/bin/env bash
# Interleaved A/B runs of chinwag-bench scenarios against two server binaries, with the
# median of each figure per side: the way a change proves it costs no more CPU or memory
# than the revision before it (issues ask for "medians of 5, interleaved").
#
#   bench/ab.sh A_SERVER B_SERVER [ROUNDS] [FIGURE_FILTER]
#
# A_SERVER and B_SERVER are `chinwag` binaries (e.g. a release build of the base revision
# in a separate worktree and target dir, and target/release/chinwag). The generator is
# target/release/chinwag-bench (override with BENCH=...). Each round runs every scenario
# of SCENARIOS (one per line, arguments after the name) on A, then on B, so drift in the
# machine hits both sides alike. Only the figures whose names match FIGURE_FILTER (an
# extended regex) are summarized. Raw JSON reports are kept in $OUT (default: a temp dir).
set -euo pipefail
A=${1:?usage: bench/ab.sh A_SERVER B_SERVER [ROUNDS] [FIGURE_FILTER]}
B=${2:?usage: bench/ab.sh A_SERVER B_SERVER [ROUNDS] [FIGURE_FILTER]}
ROUNDS=${3:-5}
FILTER=${4:-CPU per|bytes per socket|lost|duplicated}
BENCH=${BENCH:-target/release/chinwag-bench}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
SCENARIOS=${SCENARIOS:-"fanout --raw false
latency --duration 5
connections --count 5000 --conversations 200"}

echo "A: $A"
echo "B: $B"
echo "reports: $OUT"
for round in $(seq 1 "$ROUNDS"); do
  while IFS= read -r scenario; do
    [ -n "$scenario" ] || continue
    name=${scenario%% *}
    for side in A B; do
      bin=$A; [ "$side" = B ] && bin=$B
      # shellcheck disable=SC2086 # the scenario's arguments are split on purpose
      "$BENCH" $scenario --server-bin "$bin" --json > "$OUT/$name.$side.$round.json"
      echo "round $round: $name on $side done"
    done
  done <<< "$SCENARIOS"
done

python3 - "$OUT" "$ROUNDS" "$FILTER" <<'PY'
import glob, json, re, statistics, sys
out, rounds, pattern = sys.argv[1], int(sys.argv[2]), re.compile(sys.argv[3])
figures = {}
for path in glob.glob(f"{out}/*.json"):
    name, side, _ = path.rsplit("/", 1)[1].rsplit(".", 3)[:3]
    report = json.load(open(path))["report"]
    def walk(r, prefix=""):
        for fname, value, unit in r.get("figures", []):
            if pattern.search(fname):
                figures.setdefault((name, prefix + fname, unit), {}).setdefault(side, []).append(value)
        for part in r.get("parts", []):
            walk(part, prefix + part.get("scenario", "") + ": ")
    walk(report)
print(f"\n{'scenario':<12} {'figure':<46} {'A median':>12} {'B median':>12} {'B/A':>7}  (runs: A, B)")
for (name, fname, unit), sides in sorted(figures.items()):
    a, b = sides.get("A", []), sides.get("B", [])
    if not a or not b:
        continue
    ma, mb = statistics.median(a), statistics.median(b)
    ratio = f"{mb / ma:.3f}" if ma else "-"
    print(f"{name:<12} {fname + ' (' + unit + ')':<46} {ma:>12.3f} {mb:>12.3f} {ratio:>7}  ({len(a)}, {len(b)})")
PY
