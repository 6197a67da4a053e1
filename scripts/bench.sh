#!/usr/bin/env bash
# Benchmark of the internal resolve path and the signing gateway (npm run bench): installs what is
# missing, builds, uses the test Keycloak (ports KC_HTTP_PORT/KC_MGMT_PORT, 18080/19000 by default;
# started here when not running, and then stopped at the end), bootstraps realm byok with
# development data and runs tests/bench/bench.ts with tsx (it shares tests/support with the test
# suites). Results: a table on stdout and .data/bench/latest.json. BENCH_DURATION,
# BENCH_CONNECTIONS, BENCH_WARMUP, BENCH_BURST, BENCH_ROUNDS, BENCH_INSTANCES, BENCH_FIXED_RATE,
# BENCH_FIRST_BYTE_REQUESTS, BENCH_ONLY=scale-out|gateway, BENCH_CPU_PROF=1 and BENCH_STRICT=1 are
# read by bench.ts (see its header). The scale-out scenario needs redis-server (Debian: apt-get
# install redis-server). BENCH_ONLY=usage-writes runs tests/bench/usage-writes.ts instead (Keycloak
# user writes from usage counts over 3 instances; BENCH_BEFORE_DIST, BENCH_USAGE_*: see its header).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

cleanup() { stop_keycloak_if_started test; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_node_modules
build

export BENCH_KEYCLOAK_URL="${BENCH_KEYCLOAK_URL:-http://127.0.0.1:${KC_HTTP_PORT:-18080}}"
# tests/support/env.ts, which the benchmark shares with the suites, reads the Keycloak URL from here.
export BYOK_TEST_KEYCLOAK_URL="$BENCH_KEYCLOAK_URL"
start_keycloak_unless_running test
bootstrap_dev_realm "$BENCH_KEYCLOAK_URL"

say "benchmarking (each scenario: ${BENCH_WARMUP:-2} s warm-up + ${BENCH_DURATION:-10} s, ${BENCH_CONNECTIONS:-50} connections)"
if [ "${BENCH_ONLY:-}" = usage-writes ]; then
  node --import tsx tests/bench/usage-writes.ts
else
  node --import tsx tests/bench/bench.ts
fi
