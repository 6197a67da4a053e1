#!/usr/bin/env bash
# Runs every test suite: installs what is missing, type-checks and builds, starts its own Keycloak
# (ports 18080/19000, in-memory data, so it never meets a running dev stack), bootstraps the realm,
# runs Jest (unit + integration, then the browser tests in Debian's Chromium, then the Keycloak
# outage suite, deploy.sh and the Compose file, the fault-injection suite (scripts/test-faults.sh:
# three service processes, its own Redis and its own Keycloak on 28380/29380, both stopped and
# restarted) and the log scan) and stops what it started. The last line is
#   tests: N passed, N failed
# counted from Jest's JSON reports. Extra arguments go to Jest (e.g. a test path or -t NAME): then
# only the unit + integration and browser passes run, each with those arguments.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

REPORT_DIR="$ROOT/.data/jest-reports"
REPORTS=()
PASS_FAILURES=0
cleanup() { stop_keycloak_if_started test; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_node_modules
ensure_python_cryptography
say "type-checking src and tests"
npx --no-install tsc -p tsconfig.json --noEmit || fail "type errors"
npx --no-install tsc -p ui/tsconfig.json || fail "type errors in the web UI"
build
ensure_chromium
export BYOK_CHROMIUM="$CHROMIUM"

export BYOK_TEST_KEYCLOAK_URL="${BYOK_TEST_KEYCLOAK_URL:-http://127.0.0.1:18080}"
start_keycloak_unless_running test
bootstrap_dev_realm "$BYOK_TEST_KEYCLOAK_URL"

# run_pass NAME DESCRIPTION COMMAND...: one Jest pass; COMMAND gets --json --outputFile=<its report>.
# A pass that exits non-zero is remembered even when its report shows no failing test (it could not run).
run_pass() {
  local name="$1" description="$2"
  shift 2
  local report="$REPORT_DIR/$name.json"
  REPORTS+=("$report")
  say "running Jest: $description"
  "$@" --json --outputFile="$report" || PASS_FAILURES=$((PASS_FAILURES + 1))
}
jest_projects() { npx --no-install jest --ci --selectProjects "$@"; }

mkdir -p "$REPORT_DIR"
rm -rf "$ROOT/.data/test-logs" "$REPORT_DIR"/*.json
export NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning"
# A partial run names tests of one pass only; the other pass then simply finds none.
PARTIAL=()
[ $# -gt 0 ] && PARTIAL=(--passWithNoTests "$@")
run_pass main "unit and integration suites" jest_projects unit integration "${PARTIAL[@]}"
run_pass e2e "browser tests (Chromium against the service and Keycloak)" jest_projects e2e "${PARTIAL[@]}"
if [ $# -eq 0 ]; then
  run_pass outage "Keycloak outage (stops and resumes the test Keycloak)" jest_projects outage
  run_pass deploy "deploy.sh (plain processes against the test Keycloak), the realm import, the Compose file" jest_projects deploy
  # Its own Keycloak instance ("faults"), started and stopped by the script; its service processes
  # log under .data/test-logs, so the log scan below covers them too.
  run_pass faults "fault injection (scripts/test-faults.sh)" env BYOK_FAULTS_SKIP_BUILD=1 "$ROOT/scripts/test-faults.sh"
  # Last: reads what every pass above logged. A partial run has too little to scan.
  run_pass logscan "the log scan over everything the suites logged" jest_projects logscan
fi

cleanup
# A pass whose report is missing or unreadable counts as one failure.
SUMMARY="$(node -e '
  let passed = 0, failed = 0;
  for (const file of process.argv.slice(1)) {
    let r;
    try { r = JSON.parse(require("fs").readFileSync(file, "utf8")); } catch { console.error(`no Jest report: ${file}`); failed += 1; continue; }
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  process.stdout.write(`${passed} ${failed}`);
' "${REPORTS[@]}")"
PASSED="${SUMMARY% *}"
FAILED="${SUMMARY#* }"
if [ "$PASS_FAILURES" -ne 0 ] && [ "$FAILED" -eq 0 ]; then FAILED=1; fi
# A run in which no test ran (a mistyped path) proves nothing.
if [ "$PASSED" -eq 0 ] && [ "$FAILED" -eq 0 ]; then echo "no test ran" >&2; FAILED=1; fi
echo "tests: $PASSED passed, $FAILED failed"
if [ "$PASS_FAILURES" -ne 0 ] || [ "$FAILED" -ne 0 ]; then exit 1; fi
