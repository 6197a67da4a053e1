#!/usr/bin/env bash
# Deploys byok-vault (SPEC §9). This is the first cut: validate, build, start, wait for /readyz.
# The operations issue adds rollback to the previous build.
#
#   ./deploy.sh [--dry-run] [--env-file FILE]
#
# --dry-run   check only: the environment (every variable, ENCRYPTION_KEYS well formed), Keycloak
#             reachable, the service token, the service account reading users, the realm policy.
# Starts with Docker Compose (docker-compose.keycloak.yml) when a Docker engine answers, otherwise as
# a plain background process (pid file and log under .data/deploy/).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/lib.sh"
cd "$ROOT"

DRY_RUN=0
ENV_FILE=".env"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --env-file) ENV_FILE="${2:?--env-file needs a file}"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
  shift
done
if [ -f "$ENV_FILE" ]; then set -a; source "$ENV_FILE"; set +a; fi

ensure_node_modules
build
say "checking the environment and Keycloak (byok doctor)"
node dist/cli/main.js doctor || fail "the checks above failed; nothing was deployed"
[ "$DRY_RUN" = 1 ] && { say "dry run: all checks passed, nothing started"; exit 0; }

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  say "starting with Docker Compose"
  docker compose -f docker-compose.keycloak.yml up -d --build byok-vault
  exit 0
fi

DEPLOY_DIR="$ROOT/.data/deploy"
mkdir -p "$DEPLOY_DIR"
PID_FILE="$DEPLOY_DIR/byok-vault.pid"
LOG_FILE="$DEPLOY_DIR/byok-vault.log"
if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  say "stopping the running instance (pid $(cat "$PID_FILE"))"
  kill -TERM "$(cat "$PID_FILE")"
  for _ in $(seq 1 30); do kill -0 "$(cat "$PID_FILE")" 2>/dev/null || break; sleep 1; done
fi
say "starting as a plain process (log: $LOG_FILE)"
nohup node dist/main.js >>"$LOG_FILE" 2>&1 < /dev/null &
echo $! > "$PID_FILE"
READY_URL="http://${HOST:-127.0.0.1}:${PORT:-8787}/readyz"
for _ in $(seq 1 60); do
  if curl -fsS -m 2 "$READY_URL" >/dev/null 2>&1; then say "ready at ${READY_URL%/readyz} (pid $(cat "$PID_FILE"))"; exit 0; fi
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { tail -n 20 "$LOG_FILE" >&2; fail "the service exited during start-up"; }
  sleep 1
done
tail -n 20 "$LOG_FILE" >&2
fail "the service did not become ready within 60 s"
