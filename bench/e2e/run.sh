#!/bin/bash
# End-to-end benchmark: webhook → validate → map (the invoice mapping of
# shared/bench/jsonata, case invoice_to_canonical) → HTTP POST to a loopback sink, on Syncline
# (durable: every message committed before the 202) and on Node-RED (npm `node-red`, installed
# into a temporary folder), in one run. Each server is pinned to core 0, wrk and the sink to
# core 1. Loads each with wrk at 16 and 64 connections, drains, and counts what reached the sink;
# then measures the engine's memory with 100,000 messages waiting. Writes the results into the
# "End to end" section of docs/performance.md.
#
#   bench/e2e/run.sh [build-dir] [seconds-per-load] [rounds]
#
# rounds (default 5): Syncline and Node-RED take turns, so a stretch in which the shared host
# runs slow falls on both; the ratios reported are the medians of each round's ratios.
#
# build-dir: a Release build directory outside the repository (default ../build-bench beside the
# checkout); the script configures it and builds syncline-engine and bench_sink.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${1:-$repo/../build-bench}"
seconds="${2:-20}"
rounds="${3:-5}"
shared="${SYNCLINE_SHARED_DIR:-$repo/../shared}/bench/jsonata"
event="$shared/input/invoice_event.json"
expr="$shared/expr/invoice_to_canonical.jsonata"
fill_messages="${SYNCLINE_BENCH_FILL:-100000}"
parts="${SYNCLINE_BENCH_PARTS:-syncline node-red memory}" # to rerun one part while tuning
workers="${SYNCLINE_BENCH_WORKERS:-8}"   # engine worker threads (an HTTP node keeps up to 16 calls in flight per worker)

[ -f "$event" ] && [ -f "$expr" ] || { echo "run.sh: $shared has no invoice case" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "run.sh: node and npm are required" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "run.sh: needs 2 cores (server on 0, load on 1)" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
    echo "Installing wrk ..." >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

echo "Building Release in $build ..." >&2
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target syncline-engine bench_sink >/dev/null
engine_bin="$build/bin/syncline-engine"
sink_bin="$build/bin/bench_sink"

work="$(mktemp -d "${TMPDIR:-/tmp}/syncline-e2e.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

nr_version="not run" js_version="not run"
if [[ " $parts " == *" node-red "* ]]; then
    echo "Installing node-red and jsonata from npm into $work/nodered ..." >&2
    mkdir -p "$work/nodered"
    (cd "$work/nodered" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund node-red jsonata >/dev/null)
    nr_version="$(node -p "require('$work/nodered/node_modules/node-red/package.json').version")"
    js_version="$(node -p "require('$work/nodered/node_modules/jsonata/package.json').version")"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # url [seconds]
    for _ in $(seq 1 $((${2:-30} * 10))); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "run.sh: $1 did not answer" >&2; return 1
}

# The sink, on the load generator's core.
sink_port="$(free_port)"
taskset -c 1 "$sink_bin" "$sink_port" >/dev/null &
pids+=($!)
sink="http://127.0.0.1:$sink_port"
wait_http "$sink/count"

# write_workspace <folder> <sink base url> <edge back pressure messages>
write_workspace() {
    python3 - "$1" "$2" "$3" "$expr" <<'PY'
import json, os, sys
folder, sink, threshold, expr_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def write(name, doc):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write('\n')
write('syncline.workspace.json', {"formatVersion": 1, "name": "End-to-end benchmark"})
write('systems/billing.system.json', {"id": "billing", "name": "Billing", "family": "billing",
                                      "baseUrl": "http://127.0.0.1:9/billing", "auth": {"type": "none"}})
write('systems/sink.system.json', {"id": "sink", "name": "Sink", "family": "erp", "baseUrl": sink,
                                   "auth": {"type": "none"},
                                   "idempotency": {"header": "Idempotency-Key", "supported": True}})
write('canonical/invoice-event.schema.json', {
    "$id": "invoice-event.schema.json", "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Invoice event", "description": "A billing webhook event carrying an invoice.",
    "type": "object", "required": ["id", "type", "data"],
    "properties": {
        "id": {"type": "string"}, "type": {"type": "string"},
        "data": {"type": "object", "required": ["object"], "properties": {"object": {
            "type": "object", "required": ["id", "number", "currency", "lines"],
            "properties": {"id": {"type": "string"}, "number": {"type": "string"},
                           "currency": {"type": "string"},
                           "lines": {"type": "object", "required": ["data"],
                                     "properties": {"data": {"type": "array"}}}}}}}},
    "x-syncline-businessKey": ["id"], "x-syncline-owner": "billing"})
write('mappings/invoice-to-canonical.mapping.json', {
    "id": "invoice-to-canonical", "name": "Invoice event to canonical invoice",
    "source": {"system": "billing", "object": "invoice"}, "target": {"system": "sink", "object": "invoice"},
    "fields": {"canonical": open(expr_file).read()}})
edge = lambda a, b: {"from": a, "to": b, "backPressure": {"messages": threshold}}
write('flows/invoices.flow.json', {
    "id": "invoices", "name": "Invoices to the sink",
    "nodes": [
        {"id": "hook", "type": "webhook", "settings": {"businessKey": "/data/object/number"}},
        {"id": "check", "type": "validate", "settings": {"schema": "invoice-event"}},
        {"id": "map", "type": "map", "settings": {"mapping": "invoice-to-canonical"}},
        {"id": "post", "type": "http", "settings": {"system": "sink", "method": "POST",
                                                     "path": "/invoices", "concurrency": 64,
                                                     "businessKey": "/canonical/invoice/number"}}],
    "edges": [edge("hook", "check"), edge("check", "map"), edge("map", "post")]})
PY
}

# Waits until the sink has seen nothing new for 2 s (what an earlier run left is delivered).
quiet_sink() {
    local before after
    before="$(curl -s "$sink/count")"
    while sleep 2; after="$(curl -s "$sink/count")"; [ "$after" != "$before" ]; do before="$after"; done
}

results="$work/results.jsonl"
: > "$results"

# load <server> <url> <connections> <tag> <round>: one wrk run, then wait until the sink saw
# everything.
load() {
    local server="$1" url="$2" connections="$3" tag="$4" round="$5"
    quiet_sink
    curl -s -X POST "$sink/reset" >/dev/null
    local loadavg; loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "  $server, $connections connections, ${seconds}s (load $loadavg) ..." >&2
    taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$here/post_invoice.lua" \
        "$url" -- "$event" "$tag" > "$work/wrk-$tag.txt"
    local wrk_json; wrk_json="$(grep '^WRK_RESULT ' "$work/wrk-$tag.txt" | cut -d' ' -f2-)"
    local accepted; accepted="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["accepted"])' "$wrk_json")"
    # Drain: until every accepted message reached the sink, or nothing moved for 15 s.
    local keys=-1 last_change; last_change="$(date +%s)"
    local counts
    while :; do
        counts="$(curl -s "$sink/count")"
        local now_keys; now_keys="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["keys"])' "$counts")"
        [ "$now_keys" -ge "$accepted" ] && break
        if [ "$now_keys" != "$keys" ]; then keys="$now_keys"; last_change="$(date +%s)"; fi
        [ $(( $(date +%s) - last_change )) -ge 15 ] && break
        sleep 0.5
    done
    python3 - "$server" "$connections" "$wrk_json" "$counts" "$loadavg" "$round" >> "$results" <<'PY'
import json, sys
server, connections, wrk, sink, loadavg = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
round_ = int(sys.argv[6])
seconds = wrk['durationUs'] / 1e6
span = max(sink['lastMs'] - sink['firstMs'], 1) / 1000
print(json.dumps({'server': server, 'connections': connections, 'round': round_, 'load': loadavg,
                  'acceptedPerSecond': wrk['accepted'] / seconds,
                  'deliveredPerSecond': sink['keys'] / max(span, seconds),
                  'p50Ms': wrk['p50Us'] / 1000, 'p99Ms': wrk['p99Us'] / 1000,
                  'accepted': wrk['accepted'], 'refused': wrk['refused'],
                  'socketErrors': wrk['socketErrors'], 'timeouts': wrk['timeouts'],
                  'delivered': sink['keys'], 'duplicates': sink['requests'] - sink['keys'] - sink['withoutKey'],
                  'lost': max(wrk['accepted'] - sink['keys'], 0)}))
PY
    tail -n1 "$results" >&2
}

# --- Syncline: run_syncline <round> -------------------------------------------------------------
# Each round restarts the engine on the same database, which keeps what earlier rounds stored.
engine_rss_kb=0
run_syncline() {
echo "Syncline, round $1 ..." >&2
[ -d "$work/ws" ] || write_workspace "$work/ws" "$sink" 10000
engine_port="$(free_port)"
taskset -c 0 "$engine_bin" run "$work/ws" --db "$work/engine.db" --listen "127.0.0.1:$engine_port" \
    --workers "$workers" \
    > "$work/engine.log" 2>&1 &
engine_pid=$!
pids+=($engine_pid)
wait_http "http://127.0.0.1:$engine_port/hooks/invoices/hook"
hook="http://127.0.0.1:$engine_port/hooks/invoices/hook"
taskset -c 1 wrk -t1 -c16 -d3s -s "$here/post_invoice.lua" "$hook" -- "$event" warm-syncline >/dev/null
sleep 3
load syncline "$hook" 16 "syncline-16-$1" "$1"
load syncline "$hook" 64 "syncline-64-$1" "$1"
local hwm_kb; hwm_kb="$(awk '/VmHWM/ {print $2}' /proc/$engine_pid/status)"
[ "$hwm_kb" -gt "$engine_rss_kb" ] && engine_rss_kb="$hwm_kb"
kill -TERM "$engine_pid"; wait "$engine_pid" || true
}

# --- Node-RED: run_nodered <round> --------------------------------------------------------------
run_nodered() {
echo "Node-RED $nr_version, round $1 ..." >&2
node "$here/nodered_flow.js" "$work/nodered" "$sink/invoices" "$expr"
nr_port="$(free_port)"
(cd "$work/nodered" && exec taskset -c 0 node node_modules/node-red/red.js --settings settings.js \
    --userDir "$work/nodered" --port "$nr_port" > "$work/nodered.log" 2>&1) &
nr_pid=$!
pids+=($nr_pid)
wait_http "http://127.0.0.1:$nr_port/red/flows" 60
sleep 2
nr_hook="http://127.0.0.1:$nr_port/hooks/invoices"
taskset -c 1 wrk -t1 -c16 -d3s -s "$here/post_invoice.lua" "$nr_hook" -- "$event" warm-nodered >/dev/null
sleep 3
load node-red "$nr_hook" 16 "nodered-16-$1" "$1"
load node-red "$nr_hook" 64 "nodered-64-$1" "$1"
kill -TERM "$nr_pid"; wait "$nr_pid" 2>/dev/null || true
}

for round in $(seq 1 "$rounds"); do
    if [[ " $parts " == *" syncline "* ]]; then run_syncline "$round"; fi
    if [[ " $parts " == *" node-red "* ]]; then run_nodered "$round"; fi
done

# --- Memory with messages waiting ----------------------------------------------------------------
# The target refuses connections (nothing listens on port 1), so every message waits at the HTTP
# node behind retries and an open breaker; the edges allow more than the fill.
if [[ " $parts " == *" memory "* ]]; then
echo "Memory with $fill_messages messages waiting ..." >&2
write_workspace "$work/ws-mem" "http://127.0.0.1:1" $((fill_messages * 2))
mem_port="$(free_port)"
taskset -c 0 "$engine_bin" run "$work/ws-mem" --db "$work/mem.db" --listen "127.0.0.1:$mem_port" \
    --workers "$workers" \
    --token-file "$work/mem.token" > "$work/engine-mem.log" 2>&1 &
mem_pid=$!
pids+=($mem_pid)
wait_http "http://127.0.0.1:$mem_port/hooks/invoices/hook"
taskset -c 1 node "$here/fill.js" "http://127.0.0.1:$mem_port/hooks/invoices/hook" "$event" \
    "$fill_messages" 64 mem > "$work/fill.json"
sleep 5
waiting="$(curl -s -H "Authorization: Bearer $(cat "$work/mem.token")" \
    "http://127.0.0.1:$mem_port/api/v1/queues" |
    python3 -c 'import json,sys; print(sum(q["ready"]+q["delayed"]+q["inFlight"] for q in json.load(sys.stdin)["queues"]))')"
mem_rss_kb="$(awk '/VmRSS/ {print $2}' /proc/$mem_pid/status)"
mem_hwm_kb="$(awk '/VmHWM/ {print $2}' /proc/$mem_pid/status)"
db_bytes="$(cat "$work/mem.db" "$work/mem.db-wal" 2>/dev/null | wc -c)" # database and its WAL
kill -TERM "$mem_pid"; wait "$mem_pid" || true
echo "{\"memory\": true, \"waiting\": $waiting, \"rssKb\": $mem_rss_kb, \"hwmKb\": $mem_hwm_kb, \"dbBytes\": $db_bytes, \"fill\": $(tr -d '\n' < "$work/fill.json"), \"benchHwmKb\": $engine_rss_kb}" >> "$results"
tail -n1 "$results" >&2
fi

# --- Report -----------------------------------------------------------------------------------------
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
machine="$cpu, $(nproc) cores, $(uname -sr), node $(node --version), Node-RED $nr_version with jsonata-js $js_version, wrk $( (wrk -v 2>&1 || true) | head -n1 | cut -d' ' -f2)"
python3 - "$results" "$repo/docs/performance.md" "$machine" "$seconds" "$fill_messages" "$rounds" <<'PY'
import json, sys, datetime, os, statistics
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
doc, machine, seconds, fill, rounds = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
runs = {(r['server'], r['connections'], r['round']): r for r in rows if 'server' in r}
memory = next((r for r in rows if r.get('memory')), None)
complete = memory is not None and len(runs) == 4 * rounds
def num(x): return f"{x:,.0f}"
table = ["| server | connections | round | accepted msg/s | delivered msg/s | p50 ms | p99 ms | accepted | delivered | lost | refused (503) | load avg |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
for (server, connections, round_), r in sorted(runs.items(), key=lambda kv: (kv[0][0] != 'syncline', kv[0][1], kv[0][2])):
    table.append(f"| {server} | {connections} | {round_} | {num(r['acceptedPerSecond'])} | {num(r['deliveredPerSecond'])} | "
                 f"{r['p50Ms']:.1f} | {r['p99Ms']:.1f} | {num(r['accepted'])} | {num(r['delivered'])} | "
                 f"{r['lost']} | {num(r['refused'])} | {r['load']} |")
ratios = []
for connections in (16, 64):
    throughput, latency, lost = [], [], {'syncline': 0, 'node-red': 0}
    for round_ in range(1, rounds + 1):
        ours, theirs = runs.get(('syncline', connections, round_)), runs.get(('node-red', connections, round_))
        for name, r in (('syncline', ours), ('node-red', theirs)):
            lost[name] += r['lost'] if r else 0
        if ours and theirs:
            throughput.append(min(ours['acceptedPerSecond'], ours['deliveredPerSecond'])
                              / max(theirs['deliveredPerSecond'], 1e-9))
            latency.append(theirs['p99Ms'] / max(ours['p99Ms'], 1e-9))
    if throughput:
        spread = lambda xs: ", ".join(f"{x:.2f}×" for x in xs)
        ratios.append(f"- {connections} connections, median of {len(throughput)} rounds: Syncline "
                      f"{statistics.median(throughput):.2f}× Node-RED's throughput (the lower of accepted "
                      f"and delivered; rounds: {spread(throughput)}); Node-RED's p99 / Syncline's "
                      f"{statistics.median(latency):.2f}× (rounds: {spread(latency)}); lost: Syncline "
                      f"{lost['syncline']}, Node-RED {lost['node-red']}.")
mb = lambda kb: kb / 1024
mem = "" if memory is None else (f"With {memory['waiting']:,} messages waiting at the HTTP node (target unreachable, breaker "
       f"open; {memory['fill']['accepted']:,} posted) the engine's resident memory was "
       f"{mb(memory['rssKb']):.0f} MB (peak {mb(memory['hwmKb']):.0f} MB; database "
       f"{memory['dbBytes'] / 1e6:.0f} MB on disk with its WAL). Peak during the load runs above: "
       f"{mb(memory['benchHwmKb']):.0f} MB.")
stamp = datetime.datetime.now().strftime('%Y-%m-%d %H:%M')
section = "\n".join([
    "<!-- e2e-benchmark:start (written by bench/e2e/run.sh) -->",
    f"Measured {stamp} on {machine}; {rounds} rounds, in each Syncline then Node-RED, {seconds} s per "
    "load after a 3 s warm-up. Each server runs "
    "pinned to core 0 (`taskset -c 0`), wrk and the sink share core 1. Syncline: Release build, "
    "`syncline-engine run` with its normal store (WAL, synchronous=FULL, every message committed "
    "before the 202). Accepted msg/s counts 2xx answers; delivered msg/s counts distinct "
    "Idempotency-Key values at the sink over the time they arrived (Syncline answers before "
    "delivering, Node-RED after). Lost = accepted but never at the sink after draining.", "",
    *table, "", *ratios, "", mem, "",
    "Commands (ports vary):", "",
    "```",
    f"taskset -c 0 syncline-engine run WS --db engine.db --listen 127.0.0.1:PORT --workers 8   # http node concurrency 64, up to 16 calls per worker",
    f"taskset -c 0 node node_modules/node-red/red.js --settings settings.js --userDir DIR --port PORT",
    f"taskset -c 1 wrk -t1 -c16|-c64 -d{seconds}s --latency -s bench/e2e/post_invoice.lua URL -- invoice_event.json TAG",
    f"taskset -c 1 node bench/e2e/fill.js URL invoice_event.json {fill} 64 mem",
    "```",
    "<!-- e2e-benchmark:end -->"])
print(section)
if not complete:
    sys.exit(0) # a partial run (SYNCLINE_BENCH_PARTS) is printed, not written
text = open(doc).read() if os.path.exists(doc) else "# Performance\n"
start, end = "<!-- e2e-benchmark:start", "<!-- e2e-benchmark:end -->"
if start in text and end in text:
    a = text.index(start); b = text.index(end) + len(end)
    text = text[:a] + section + text[b:]
else:
    heading = "## End to end: webhook → validate → map → HTTP"
    if heading not in text:
        text = text.rstrip('\n') + "\n\n" + heading + "\n\n" + section + "\n"
    else:
        i = text.index(heading) + len(heading)
        text = text[:i] + "\n\n" + section + text[i:]
open(doc, 'w').write(text)
PY
