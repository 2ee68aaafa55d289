#!/usr/bin/env bash
# Runs the demo: the SaaS sandbox (simulated CRM, billing, support, ERP, usage and data
# platform) on 127.0.0.1:8790 and the headless engine on the demo workspace at 127.0.0.1:8780,
# then starts the sandbox's traffic (signed webhooks with a share of bad data) so queues move and
# exceptions arrive within a minute. Stops both on Ctrl+C or SIGTERM.
#   installer/demo.sh [BUILD_DIR]        (default: build)
# State lives in BUILD_DIR/demo/: the sandbox's state, the engine's database, its admin token and
# the secrets file holding the sandbox's (public, made-up) default credentials.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
bin="$build/bin"
state="$build/demo"
sandbox_url="http://127.0.0.1:8790"
engine_url="http://127.0.0.1:8780"
mkdir -p "$state"

log() { printf '\033[1mdemo:\033[0m %s\n' "$*"; }
wait_for() { # URL — until it answers, at most 30 s
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "demo: $1 did not answer within 30 s" >&2
    return 1
}

install -m 600 "$here/sandbox-secrets.json" "$state/secrets.json"

pids=()
stop() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 0' INT TERM

"$bin/syncline-sandbox" --listen 127.0.0.1:8790 --state "$state/sandbox.sqlite" \
    > "$state/sandbox.log" 2>&1 &
pids+=($!)
wait_for "$sandbox_url/_sandbox/health"
log "sandbox on $sandbox_url (log $state/sandbox.log)"

"$bin/syncline-engine" run "$root/resources/demo" --db "$state/engine.db" \
    --listen 127.0.0.1:8780 --secrets "$state/secrets.json" --token-file "$state/token" &
pids+=($!)
wait_for "$engine_url/metrics"

curl -sf -X POST "$sandbox_url/_sandbox/traffic/start" -H 'Content-Type: application/json' \
    -d @- > /dev/null <<JSON
{"ratePerSecond": 4, "badDataShare": 0.04, "customers": 20,
 "mix": {"invoiceIssued": 4, "paymentFailed": 1, "ticketCreated": 2, "usageEvents": 3,
         "accountChanged": 1, "opportunityClosedWon": 1, "opportunityAmended": 1},
 "targets": {"billing": "$engine_url/hooks/billing-events/hook",
             "crm": "$engine_url/hooks/crm-events/hook",
             "support": "$engine_url/hooks/entitlement-check/ticket",
             "usage": "$engine_url/hooks/usage-to-cash/events"}}
JSON
log "traffic flowing: 4 events a second, 4 % bad data"
log "exceptions: $bin/syncline-engine exceptions list --engine $engine_url --token-file $state/token"
log "documents:  curl $sandbox_url/_sandbox/ledger"
wait
