#!/usr/bin/env bash
# Benchmark of the internal resolve path (npm run bench): installs what is missing, builds, uses the
# test Keycloak (ports 18080/19000; started here when not running, and then stopped at the end),
# bootstraps realm byok with development data and runs scripts/bench.mjs. Results: a table on
# stdout and .data/bench/latest.json. BENCH_DURATION, BENCH_CONNECTIONS, BENCH_WARMUP, BENCH_BURST,
# BENCH_INSTANCES, BENCH_ONLY=scale-out and BENCH_STRICT=1 are read by bench.mjs (see its header). The
# scale-out scenario needs redis-server (Debian: apt-get install redis-server).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

cleanup() { stop_keycloak_if_started test; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_node_modules
build

export BENCH_KEYCLOAK_URL="${BENCH_KEYCLOAK_URL:-http://127.0.0.1:18080}"
start_keycloak_unless_running test
bootstrap_dev_realm "$BENCH_KEYCLOAK_URL"

say "benchmarking (each scenario: ${BENCH_WARMUP:-2} s warm-up + ${BENCH_DURATION:-10} s, ${BENCH_CONNECTIONS:-50} connections)"
node scripts/bench.mjs
