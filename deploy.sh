#!/usr/bin/env bash
# Deploys byok-vault (docs/operations.md): checks the environment, builds, starts, waits for /readyz, and goes
# back to the previous build when the new one does not get ready.
#
#   ./deploy.sh [--env-file FILE] [--dry-run]   check; then build, start and wait for /readyz
#   ./deploy.sh [--env-file FILE] status        which release runs, and whether it is ready
#   ./deploy.sh [--env-file FILE] rollback      switch back to the previous release (current <-> previous)
#   ./deploy.sh [--env-file FILE] stop          stop the running instance
#
# --dry-run     checks only, one line per problem: every variable (missing or malformed, the
#               service's and DEPLOY_*'s), ENCRYPTION_KEYS well formed, Keycloak reachable under the
#               pinned issuer, the service token, the service account reading users, the realm's user
#               profile policy (byok doctor). Nothing is built or started.
# --env-file    KEY=VALUE file (default .env when present); variables already set in the environment win.
#
# Mode: Docker Compose (docker-compose.keycloak.yml, service byok-vault) when a Docker engine answers,
# else a plain background process; DEPLOY_MODE=process|compose forces one. In process mode every deploy
# builds a new release under DEPLOY_DIR (.data/deploy)/releases/, with `current` and `previous` links,
# a pid file and a log file (DEPLOY_LOG_FILE). The releases run as node:cluster workers of a supervisor
# that keeps the port open: a new release's worker takes connections once ready, then the old one
# drains, so a deploy or a rollback fails no request. DEPLOY_READY_TIMEOUT (60 s) bounds the wait.
#
# Exit codes: 0 done; 1 checks or build failed (nothing changed); 2 the new release did not get ready
# and the previous one serves again; 3 not ready and nothing could be brought back (down); 64 usage.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/lib.sh"
source "$ROOT/scripts/deploy-lib.sh"
cd "$ROOT"

# The comment block at the top of this file, without its "#"s: it ends at the first line that is not a comment.
usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }

DRY_RUN=0
COMMAND=deploy
ENV_FILE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --env-file) [ $# -ge 2 ] || { echo "deploy.sh: --env-file needs a file" >&2; exit "$EXIT_USAGE"; }; ENV_FILE="$2"; shift ;;
    --env-file=*) ENV_FILE="${1#--env-file=}" ;;
    -h|--help) usage; exit 0 ;;
    status|stop|rollback) COMMAND="$1" ;;
    *) echo "deploy.sh: unknown argument $1 (see --help)" >&2; exit "$EXIT_USAGE" ;;
  esac
  shift
done
if [ -n "$ENV_FILE" ]; then
  [ -f "$ENV_FILE" ] || { echo "deploy.sh: env file $ENV_FILE not found" >&2; exit "$EXIT_USAGE"; }
  load_env_file "$ENV_FILE"
elif [ -f "$ROOT/.env" ]; then
  ENV_FILE="$ROOT/.env"
  load_env_file "$ENV_FILE"
fi

deploy_settings

compose_engine() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }
case "$DEPLOY_MODE" in
  process) MODE=process ;;
  compose) MODE=compose ;;
  *) if compose_engine; then MODE=compose; else MODE=process; fi ;;
esac

if [ "$MODE" = compose ]; then
  source "$ROOT/scripts/deploy-compose.sh"
  compose_main
  exit $?
fi

# The releases run under the node the scripts use (Node 24; scripts/lib.sh ensure_node).
ensure_node
case "$COMMAND" in
  status) process_status; exit $? ;;
  stop) stop_running; say "stopped"; exit 0 ;;
  rollback) process_rollback ;;
esac

if [ "$DRY_RUN" = 1 ]; then
  STATUS=0
  dry_run || STATUS=$?
  exit "$STATUS"
fi
check_deploy_variables || exit $?
process_deploy
