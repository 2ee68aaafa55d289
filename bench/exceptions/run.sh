#!/bin/bash
# Exception queue benchmark: fills a store with 1,000,000 exceptions (90 days, 80 % resolved),
# times first pages under the admin API's filters, a page 10,000 deep by cursor, and counts per
# group, and writes the table into the exception section of docs/performance.md with the date
# and the machine.
#
#   bench/exceptions/run.sh [build-dir] [count]
#
# build-dir must hold a Release build of the bench_exceptions target (default: build-rel).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${1:-$repo/build-rel}"
count="${2:-1000000}"
ours="$build/bin/bench_exceptions"

[ -x "$ours" ] || { echo "run.sh: $ours not found; build the bench_exceptions target (Release)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$ours" --db "$work/exceptions.db" --count "$count" > "$work/table.md"
size="$(du -m "$work/exceptions.db" | cut -f1)"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
machine="$cpu, $(nproc) cores, $(uname -sr), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"

python3 - "$work/table.md" "$repo/docs/performance.md" "$machine" "$size" <<'PY'
import sys, datetime
table, doc, machine, size = open(sys.argv[1]).read().strip(), sys.argv[2], sys.argv[3], sys.argv[4]
start = "<!-- exceptions-benchmark:start (written by bench/exceptions/run.sh) -->"
end = "<!-- exceptions-benchmark:end -->"
when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
section = (f"{start}\nMeasured {when} on {machine}. Release build; the database file "
           f"({size} MB) on the machine's disk, WAL, read through a fresh read-only connection per "
           "call as the admin API does; pages of 50, each query run 20 times.\n\n"
           f"{table}\n{end}")
text = open(doc).read()
if start in text:
    text = text[:text.index(start)] + section + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n## Exception queue at 1,000,000\n\n" + section + "\n"
open(doc, "w").write(text)
print(section)
PY
