#!/usr/bin/env bash
# Syncline set-up on Debian 12: installs the Debian packages the project needs (only those
# missing), configures and builds the `release` preset into build/, then
#   --run    starts the demo: the SaaS sandbox, the engine on resources/demo, and traffic
#   --test   runs the whole CTest suite and exits non-zero if anything fails
#   --build  stops after the build
# Idempotent: a second run installs nothing and rebuilds only what changed (ccache, Ninja).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
mode="${1:---build}"

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    echo "usage: installer/setup.sh --run | --test | --build"
}

case "$mode" in
    --run|--test|--build) ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac

log() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

install_packages() {
    local wanted missing=()
    mapfile -t wanted < <(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$')
    for pkg in "${wanted[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "all ${#wanted[@]} Debian packages present"
        return
    fi
    log "installing ${#missing[@]} Debian packages: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
    cd "$root"
    export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
    # Paths relative to the checkout, so a fresh clone elsewhere reuses the cache.
    export CCACHE_BASEDIR="$root"
    # Several build trees (release, the worktrees' debug builds) share the cache; 5 GB evicts.
    export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-20G}"
    log "configuring (preset release)"
    cmake --preset release > "$root/build-configure.log" 2>&1 || {
        cat "$root/build-configure.log"; exit 1; }
    log "building into build/ ($(nproc) jobs)"
    cmake --build --preset release --parallel "$(nproc)"
}

run_main_job() {
    log "starting the demo: sandbox, engine on resources/demo, traffic (Ctrl+C stops)"
    exec "$here/demo.sh" "$root/build"
}

run_tests() {
    cd "$root"
    log "running the test suite"
    ctest --preset release --parallel "$(nproc)"
}

install_packages
build
case "$mode" in
    --run) run_main_job ;;
    --test) run_tests ;;
    --build) log "built: $root/build/bin" ;;
esac
