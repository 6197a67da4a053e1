#!/usr/bin/env bash
# Runs every test suite: installs what is missing, type-checks and builds, starts its own Keycloak
# (ports 18080/19000, in-memory data, so it never meets a running dev stack), bootstraps the realm,
# runs Jest (unit + integration, then the browser tests in Debian's Chromium, then the Keycloak
# outage suite, deploy.sh and the Compose file, the fault-injection suite (scripts/test-faults.sh:
# three service processes, its own Redis and its own Keycloak on 38080/39000, both stopped and
# restarted) and the log scan) and stops what it started. The last line is
#   tests: N passed, N failed
# counted from Jest's JSON reports. Extra arguments go to Jest (e.g. a test path or -t NAME): then
# only the unit + integration and browser passes run, each with those arguments.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

REPORT="$ROOT/.data/jest-report.json"
REPORT_LOGSCAN="$ROOT/.data/jest-report-logscan.json"
REPORT_OUTAGE="$ROOT/.data/jest-report-outage.json"
REPORT_E2E="$ROOT/.data/jest-report-e2e.json"
REPORT_DEPLOY="$ROOT/.data/jest-report-deploy.json"
REPORT_FAULTS="$ROOT/.data/jest-report-faults.json"
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

say "running Jest: unit and integration suites"
mkdir -p "$(dirname "$REPORT")"
rm -rf "$ROOT/.data/test-logs" "$REPORT" "$REPORT_OUTAGE" "$REPORT_LOGSCAN" "$REPORT_E2E" "$REPORT_DEPLOY" "$REPORT_FAULTS"
export NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning"
# A partial run names tests of one pass only; the other pass then simply finds none.
PARTIAL=()
[ $# -gt 0 ] && PARTIAL=(--passWithNoTests)
set +e
npx --no-install jest --ci --selectProjects unit integration --json --outputFile="$REPORT" "${PARTIAL[@]}" "$@"
JEST_STATUS=$?
say "running Jest: browser tests (Chromium against the service and Keycloak)"
npx --no-install jest --ci --selectProjects e2e --json --outputFile="$REPORT_E2E" "${PARTIAL[@]}" "$@"
E2E_STATUS=$?
if [ $# -eq 0 ]; then
  say "running Jest: Keycloak outage (stops and resumes the test Keycloak)"
  npx --no-install jest --ci --selectProjects outage --json --outputFile="$REPORT_OUTAGE"
  OUTAGE_STATUS=$?
  say "running Jest: deploy.sh (plain processes against the test Keycloak), the realm import, the Compose file"
  npx --no-install jest --ci --selectProjects deploy --json --outputFile="$REPORT_DEPLOY"
  DEPLOY_STATUS=$?
  # Its own Keycloak instance ("faults"), started and stopped by the script; its service processes
  # log under .data/test-logs, so the log scan below covers them too.
  BYOK_FAULTS_SKIP_BUILD=1 "$ROOT/scripts/test-faults.sh" --json --outputFile="$REPORT_FAULTS"
  FAULTS_STATUS=$?
  say "running Jest: the log scan over everything the suites logged"
  npx --no-install jest --ci --selectProjects logscan --json --outputFile="$REPORT_LOGSCAN"
  LOGSCAN_STATUS=$?
else
  OUTAGE_STATUS=0
  DEPLOY_STATUS=0
  FAULTS_STATUS=0
  LOGSCAN_STATUS=0 # a partial run (a path or -t given) has too little to scan
fi
set -e

cleanup
if [ ! -s "$REPORT" ]; then
  echo "Jest wrote no report (exit $JEST_STATUS)" >&2
  echo "tests: 0 passed, 1 failed"
  exit 1
fi
# Suites that could not run count as failures too.
SUMMARY="$(node -e '
  let passed = 0, failed = 0;
  for (const file of process.argv.slice(1)) {
    let r;
    try { r = JSON.parse(require("fs").readFileSync(file, "utf8")); } catch { continue; }
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  process.stdout.write(`${passed} ${failed}`);
' "$REPORT" "$REPORT_E2E" "$REPORT_OUTAGE" "$REPORT_DEPLOY" "$REPORT_FAULTS" "$REPORT_LOGSCAN")"
PASSED="${SUMMARY% *}"
FAILED="${SUMMARY#* }"
# A pass that failed without a failing test (it could not run) still counts as a failure.
if { [ "$E2E_STATUS" -ne 0 ] || [ "$OUTAGE_STATUS" -ne 0 ] || [ "$DEPLOY_STATUS" -ne 0 ] || [ "$FAULTS_STATUS" -ne 0 ] || [ "$LOGSCAN_STATUS" -ne 0 ]; } && [ "$FAILED" -eq 0 ]; then FAILED=1; fi
# A run in which no test ran (a mistyped path) proves nothing.
if [ "$PASSED" -eq 0 ] && [ "$FAILED" -eq 0 ]; then echo "no test ran" >&2; FAILED=1; fi
echo "tests: $PASSED passed, $FAILED failed"
if [ "$JEST_STATUS" -ne 0 ] || [ "$FAILED" -ne 0 ]; then exit 1; fi
