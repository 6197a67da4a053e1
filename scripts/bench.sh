#!/usr/bin/env bash
# Benchmark of the internal resolve path and the signing gateway (npm run bench): installs what is
# missing, builds, uses the test Keycloak (ports KC_HTTP_PORT/KC_MGMT_PORT, 18080/19000 by default;
# started here when not running, and then stopped at the end), bootstraps realm byok with
# development data and runs tests/bench/bench.ts with tsx (it shares tests/support with the test
# suites). Results: a table on stdout and .data/bench/latest.json. BENCH_DURATION,
# BENCH_CONNECTIONS, BENCH_WARMUP, BENCH_BURST, BENCH_ROUNDS, BENCH_INSTANCES, BENCH_FIXED_RATE,
# BENCH_FIRST_BYTE_REQUESTS, BENCH_ONLY=scale-out|gateway, BENCH_CPU_PROF=1 and BENCH_STRICT=1 are
# read by bench.ts (see its header). The scale-out scenario needs redis-server (Debian: apt-get
# install redis-server). BENCH_ONLY=walks runs tests/bench/walks.ts instead (realm walks over 1,000
# and 10,000 imported users, before and after the holder index; BENCH_WALK_SIZES, BENCH_WALK_HOLDERS,
# BENCH_WALK_ROUNDS; results in .data/bench/walks.json). BENCH_ONLY=usage-writes runs
# tests/bench/usage-writes.ts (Keycloak user writes from usage counts over 3 instances, before and
# after; BENCH_BEFORE_DIST, BENCH_USAGE_*: see its header; results in .data/bench/usage-writes.json).
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

if [ "${BENCH_ONLY:-}" = walks ]; then
  say "benchmarking realm walks (sizes ${BENCH_WALK_SIZES:-1000,10000}, ${BENCH_WALK_HOLDERS:-100} key holders)"
  node --import tsx tests/bench/walks.ts
  exit
fi
if [ "${BENCH_ONLY:-}" = usage-writes ]; then
  say "benchmarking Keycloak user writes from usage counts (${BENCH_INSTANCES:-3} instances, ${BENCH_USAGE_USERS:-200} users)"
  node --import tsx tests/bench/usage-writes.ts
  exit
fi
say "benchmarking (each scenario: ${BENCH_WARMUP:-2} s warm-up + ${BENCH_DURATION:-10} s, ${BENCH_CONNECTIONS:-50} connections)"
node --import tsx tests/bench/bench.ts
