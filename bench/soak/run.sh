#!/bin/bash
# Soak under faults: the demo's traffic (4 events a second, 4 % bad data) for SECONDS against the
# real sandbox and the headless engine on the demo workspace, while the sandbox's ERP answers 10 %
# of its requests with 503 and drops the connection after committing another 5 %
# (accept-then-reset). Then the end-to-end checks of tests/app/demo: every ERP document once and
# exact to the cent, no duplicate in any system's ledger, every invoice posted or in the exception
# queue with a reason (an accept-then-reset leaves the document posted and its effect Uncertain
# for a person to decide), bad data as business exceptions, lineage, the ticket answer.
# Writes the outcome into docs/soak.md.
#
#   bench/soak/run.sh [build-dir] [seconds]      (defaults: ../build-bench beside the checkout, 600)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${1:-$repo/../build-bench}"
seconds="${2:-600}"

echo "Building Release in $build ..." >&2
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target tst_demo syncline-sandbox syncline-engine syncline_connectors >/dev/null

log="$(mktemp "${TMPDIR:-/tmp}/syncline-soak.XXXXXX")"
trap 'rm -f "$log"' EXIT
echo "Running the demo traffic for $seconds s under ERP faults ..." >&2
started="$(date -u '+%Y-%m-%d %H:%M')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
status=0
SYNCLINE_DEMO_SOAK_SECONDS="$seconds" "$build/tests/tst_demo" > "$log" 2>&1 || status=$?
grep -E '^(PASS|FAIL|QINFO|Totals)|Loc:|Actual|Expected' "$log" >&2 || true

python3 - "$log" "$repo/docs/soak.md" "$started" "$seconds" "$status" "$load_before" <<'PY'
import re, sys
log, doc, started, seconds, status, load = sys.argv[1:7]
text = open(log, encoding='utf-8', errors='replace').read()
def find(pattern, default='—'):
    m = re.search(pattern, text)
    return m.group(1) if m else default
checked = find(r'(\d+) ERP invoices checked')
summary = re.search(r'(\d+) invoices: (\d+) posted, (\d+) of them uncertain, (\d+) parked', text)
sent = find(r'bad data sent (\{[^}]*\})')
raised = find(r'exceptions ([A-Z_=0-9 ]+)\n')
failed = re.findall(r'^FAIL!\s+: (\S+)', text, re.M)
verdict = "all checks passed" if status == "0" else "FAILED: " + (", ".join(failed) or f"exit {status}")
rows = ["| started (UTC) | seconds | invoices | posted to the ERP | of them uncertain | parked | load avg before | result |",
        "|---|---:|---:|---:|---:|---:|---|---|"]
if summary:
    invoices, posted, uncertain, parked = summary.groups()
else:
    invoices = posted = uncertain = parked = "—"
rows.append(f"| {started} | {seconds} | {invoices} | {posted} | {uncertain} | {parked} | {load} | {verdict} |")
section = "\n".join([
    "<!-- soak:start (written by bench/soak/run.sh) -->",
    *rows, "",
    f"ERP invoices compared with billing to the cent: {checked}. Bad data sent: `{sent}`; "
    f"exceptions by reason at the end: `{raised.strip()}`.",
    "<!-- soak:end -->"])
print(section)
body = open(doc, encoding='utf-8').read()
a, b = body.index("<!-- soak:start"), body.index("<!-- soak:end -->") + len("<!-- soak:end -->")
open(doc, 'w', encoding='utf-8').write(body[:a] + section + body[b:])
PY
exit "$status"
