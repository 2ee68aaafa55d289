#!/bin/bash
# JSONata benchmark: Syncline's engine against jsonata-js on shared/bench/jsonata/cases.json,
# in one run on the same inputs. Installs the npm package `jsonata` into a temporary folder,
# runs both sides (compile once, evaluate many, results checked against the expected ones),
# prints evaluations per second and the ratio per case, and writes the table into the JSONata
# section of docs/performance.md with the date and the machine.
#
#   bench/jsonata/run.sh [build-dir] [seconds-per-case]
#
# build-dir must hold a Release build of the bench_jsonata target (default: build-rel).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${1:-$repo/build-rel}"
seconds="${2:-2}"
cases="${SYNCLINE_SHARED_DIR:-$repo/../shared}/bench/jsonata/cases.json"
ours="$build/bin/bench_jsonata"

[ -x "$ours" ] || { echo "run.sh: $ours not found; build the bench_jsonata target (Release)" >&2; exit 2; }
[ -f "$cases" ] || { echo "run.sh: $cases not found" >&2; exit 2; }
command -v node >/dev/null || { echo "run.sh: node is required" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "Installing jsonata from npm into $work ..." >&2
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund jsonata >/dev/null)
cp "$here/jsonata_js_bench.js" "$work/"
jsversion="$(node -p "require('$work/node_modules/jsonata/package.json').version")"

echo "Running Syncline ($seconds s per case) ..." >&2
"$ours" --cases "$cases" --seconds "$seconds" > "$work/ours.jsonl" || true
echo "Running jsonata-js $jsversion ($seconds s per case) ..." >&2
(cd "$work" && node jsonata_js_bench.js "$cases" "$seconds") > "$work/theirs.jsonl"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
machine="$cpu, $(nproc) cores, $(uname -sr), node $(node --version), jsonata-js $jsversion"

python3 - "$work/ours.jsonl" "$work/theirs.jsonl" "$repo/docs/performance.md" "$machine" <<'PY'
import json, sys, datetime, statistics, os
ours = {r['name']: r for r in map(json.loads, open(sys.argv[1]).read().split('\n')[:-1])}
theirs = {r['name']: r for r in map(json.loads, open(sys.argv[2]).read().split('\n')[:-1])}
doc, machine = sys.argv[3], sys.argv[4]
rows, ratios = [], []
for name in theirs:
    o, t = ours.get(name, {}), theirs[name]
    ok = o.get('ok') and t.get('ok')
    ratio = o['evalsPerSecond'] / t['evalsPerSecond'] if ok else None
    if ratio: ratios.append(ratio)
    rows.append((name, o.get('evalsPerSecond', 0), t.get('evalsPerSecond', 0), ratio,
                 'ok' if ok else (o.get('problem') or t.get('problem') or 'failed')))
def fmt(x): return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"
table = ["| case | Syncline evals/s | jsonata-js evals/s | ratio | results |",
         "|---|---:|---:|---:|---|"]
for name, o, t, r, status in rows:
    table.append(f"| {name} | {fmt(o)} | {fmt(t)} | {r:.1f}× | {status} |" if r else
                 f"| {name} | {fmt(o)} | {fmt(t)} | – | {status} |")
median = statistics.median(ratios) if ratios else 0
summary = (f"Median ratio {median:.1f}×, slowest case {min(ratios):.1f}×, fastest {max(ratios):.1f}×."
           if ratios else "No case ran on both engines.")
print('\n'.join(table)); print(summary)
stamp = datetime.datetime.now().strftime('%Y-%m-%d %H:%M')
section = "\n".join([
    "<!-- jsonata-benchmark:start (written by bench/jsonata/run.sh) -->",
    f"Measured {stamp} on {machine}. Release build; both engines compile each expression once",
    "and evaluate it repeatedly on the same parsed input; the first result of each is checked",
    "against `expected/`. Higher is better; ratio = Syncline / jsonata-js.", "",
    *table, "", summary,
    "<!-- jsonata-benchmark:end -->"])
text = open(doc).read() if os.path.exists(doc) else "# Performance\n"
start, end = "<!-- jsonata-benchmark:start", "<!-- jsonata-benchmark:end -->"
if start in text and end in text:
    a = text.index(start); b = text.index(end) + len(end)
    text = text[:a] + section + text[b:]
else:
    if "## JSONata" not in text:
        text = text.rstrip('\n') + "\n\n## JSONata\n\n"
        text += section + "\n"
    else:
        i = text.index("## JSONata")
        j = text.find("\n", i) + 1
        text = text[:j] + "\n" + section + "\n" + text[j:]
open(doc, 'w').write(text)
print(f"wrote {doc}", file=sys.stderr)
PY
