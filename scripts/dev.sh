#!/usr/bin/env bash
# The whole development stack (docs/development.md) in the foreground; Ctrl-C stops everything it started.
#   Keycloak  http://127.0.0.1:8080 (admin/admin), health on :9000, H2 data under .data/keycloak/dev
#   service   http://127.0.0.1:8787 (web UI at /)
# Installs what is missing (npm packages, the Keycloak distribution), builds, bootstraps realm byok.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

SERVICE_PID=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
  stop_keycloak_if_started dev
}
trap cleanup EXIT
trap 'exit 130' INT TERM

STARTED_AT=$SECONDS
ensure_node_modules
build

start_keycloak_unless_running dev
export KEYCLOAK_URL="http://127.0.0.1:8080"
bootstrap_dev_realm "$KEYCLOAK_URL"

# Development settings; a .env file (see .env.example) overrides them.
export KEYCLOAK_REALM=byok KEYCLOAK_CLIENT_ID=byok-service KEYCLOAK_CLIENT_SECRET=dev-service-secret
export HOST=127.0.0.1 PORT=8787 LOG_LEVEL="${LOG_LEVEL:-info}"
# GET /metrics on a loopback listener of its own (it is not served on PORT without METRICS_TOKEN).
export METRICS_PORT="${METRICS_PORT:-8788}"
ENCRYPTION_KEYS="$(dev_encryption_keys)"
export ENCRYPTION_KEYS
if [ -f .env ]; then set -a; source .env; set +a; fi

# Only the service's own variables (a .env may hold the master-admin credentials): see lib.sh.
(keep_only_service_environment "$ROOT/dist" && exec node dist/main.js) &
SERVICE_PID=$!
for _ in $(seq 1 60); do
  curl -fsS -m 2 "http://127.0.0.1:8787/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVICE_PID" 2>/dev/null || fail "the service exited during start-up"
  sleep 0.5
done
curl -fsS -m 2 "http://127.0.0.1:8787/readyz" >/dev/null || fail "the service did not become ready; see its log above"

cat >&2 <<INFO

  byok-vault development stack is ready (took $(( SECONDS - STARTED_AT ))s)

  web UI         http://127.0.0.1:8787/       (sign in as alice / alice)
  service        http://127.0.0.1:8787        (API /api/v1, health /healthz, readiness /readyz)
  metrics        http://127.0.0.1:${METRICS_PORT}/metrics
  Keycloak       http://127.0.0.1:8080        admin console: admin / admin
  Keycloak mgmt  http://127.0.0.1:9000/health/ready
  realm          byok

  users (password = username)
    alice  starter        bob   free        carol  professional, team-alpha
    dave   enterprise     ops   professional, byok-admin
  internal client   byok-internal-demo / dev-internal-secret   (role byok-internal)

  a user token:     curl -s -d grant_type=password -d client_id=ops-center -d username=alice -d password=alice \\
                      http://127.0.0.1:8080/realms/byok/protocol/openid-connect/token
  Ctrl-C stops everything this script started.

INFO
wait "$SERVICE_PID"
