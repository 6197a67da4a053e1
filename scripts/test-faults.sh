#!/usr/bin/env bash
# The fault-injection suite (npm run test:faults; scripts/test.sh runs it as one of its passes):
# three service processes on loopback sharing a redis-server of the suite's own and a Keycloak of
# its own (instance "faults", ports 28380/29380, H2 file data wiped here first), so that the suite
# can stop and restart Keycloak and Redis for real. Prints a table (scenario, requests, failures,
# keys lost) and writes it to .data/faults/latest.json. Extra arguments go to Jest.
#
# BYOK_FAULTS_SKIP_BUILD=1 skips npm ci and the build (scripts/test.sh has just done both).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

FAULTS_KC_STARTED=0
cleanup() {
  if [ "$FAULTS_KC_STARTED" = 1 ]; then "$ROOT/scripts/keycloak.sh" stop faults || true; FAULTS_KC_STARTED=0; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_node
if [ "${BYOK_FAULTS_SKIP_BUILD:-0}" != 1 ]; then
  ensure_node_modules
  build
fi
command -v redis-server >/dev/null 2>&1 || fail "redis-server is needed for the fault suite (Debian: apt-get install redis-server)"

# Always a fresh realm: the suite stops and starts this instance itself, so it must be ours.
"$ROOT/scripts/keycloak.sh" reset faults
say "starting Keycloak (faults)"
FAULTS_KC_STARTED=1
"$ROOT/scripts/keycloak.sh" start faults
FAULTS_URL="$("$ROOT/scripts/keycloak.sh" url faults)"
bootstrap_dev_realm "$FAULTS_URL"

say "running Jest: fault injection (three instances, Redis and Keycloak stopped and restarted)"
export NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning"
set +e
BYOK_TEST_KEYCLOAK_URL="$FAULTS_URL" npx --no-install jest --ci --selectProjects faults "$@"
STATUS=$?
set -e
exit "$STATUS"
