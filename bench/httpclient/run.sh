#!/bin/bash
# Outbound HTTP client benchmark: starts bench/e2e's bench_sink pinned to core 1 and runs
# bench_httpclient pinned to core 0 under `perf stat -e raw_syscalls:sys_enter`, ROUNDS times.
# Given a second binary (e.g. bench_httpclient built from an earlier commit), runs the two
# alternately, so that both see the same noise on a shared machine.
#
#   bench/httpclient/run.sh BUILD_DIR [OTHER_BENCH_BINARY] [ROUNDS] [-- bench options]
#
# BUILD_DIR is a Release build directory with bench_sink and bench_httpclient built.
set -euo pipefail

build="${1:?usage: run.sh BUILD_DIR [OTHER_BENCH_BINARY] [ROUNDS] [-- bench options]}"
shift
other=""
rounds=3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then other="$1"; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then rounds="$1"; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
options=("$@")

sink_bin="$build/bin/bench_sink"
bench_bin="$build/bin/bench_httpclient"
[ -x "$sink_bin" ] && [ -x "$bench_bin" ] || { echo "run.sh: build bench_sink and bench_httpclient in $build" >&2; exit 2; }
command -v perf >/dev/null || { echo "run.sh: perf is required" >&2; exit 2; }

out="$(mktemp)"
taskset -c 1 "$sink_bin" 0 >"$out" &
sink=$!
trap 'kill "$sink" 2>/dev/null || true; wait 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
port="$(head -n1 "$out")"
url="http://127.0.0.1:$port/invoices"

one() { # label binary
    echo "== $1 ($2)"
    perf stat -x, -e raw_syscalls:sys_enter -o /dev/stderr -- taskset -c 0 "$2" "$url" ${options[@]+"${options[@]}"} 2>&1 \
        | sed -E 's/^([0-9]+),,raw_syscalls:sys_enter.*/perf stat: \1 system calls in the whole run/' \
        | grep -v '^#' | grep -v '^$'
}
for round in $(seq "$rounds"); do
    echo "-- round $round"
    [ -n "$other" ] && one other "$other"
    one this "$bench_bin"
done
