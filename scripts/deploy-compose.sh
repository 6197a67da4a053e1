# The Docker Compose deployment of byok-vault (docker-compose.keycloak.yml), sourced by deploy.sh
# when a Docker engine answers or DEPLOY_MODE=compose.
# shellcheck shell=bash
#
# Releases are images: before a build, the image that runs (byok-vault:latest) is tagged
# byok-vault:previous; when the new one does not get ready it is tagged back and recreated.
# Keycloak (on PostgreSQL, realm imported from deploy/keycloak/byok-realm.json) and Redis are
# started first when they are not running; Compose leaves running services as they are.

COMPOSE_FILE_PATH="$ROOT/docker-compose.keycloak.yml"
IMAGE="byok-vault"

compose() {
  local env_args=()
  [ -n "${ENV_FILE:-}" ] && env_args=(--env-file "$ENV_FILE")
  if docker compose version >/dev/null 2>&1; then
    docker compose -f "$COMPOSE_FILE_PATH" "${env_args[@]}" "$@"
  elif command -v docker-compose >/dev/null 2>&1; then
    docker-compose -f "$COMPOSE_FILE_PATH" "${env_args[@]}" "$@"
  else
    fail "Docker Compose is needed (the docker compose plugin, or Debian: apt-get install docker-compose); or run with DEPLOY_MODE=process"
  fi
}

compose_wait_ready() {
  local started=$SECONDS url="http://127.0.0.1:${BYOK_PORT:-8787}/readyz"
  until curl -fsS -m 3 -o /dev/null "$url" 2>/dev/null; do
    if (( SECONDS - started >= READY_TIMEOUT )); then
      echo "not ready within ${READY_TIMEOUT}s at $url: $(curl -sS -m 3 "$url" 2>&1 | head -c 300)" >&2
      compose logs --tail 20 byok-vault >&2 || true
      return 1
    fi
    sleep 2
  done
  say "ready at ${url%/readyz} after $((SECONDS - started))s"
}

compose_main() {
  say "mode: Docker Compose ($COMPOSE_FILE_PATH)"
  case "$COMMAND" in
    status)
      compose ps
      curl -fsS -m 3 "http://127.0.0.1:${BYOK_PORT:-8787}/readyz" && echo
      return $?
      ;;
    stop) compose stop byok-vault; return 0 ;;
    rollback)
      docker image inspect "$IMAGE:previous" >/dev/null 2>&1 || fail "there is no previous image ($IMAGE:previous)"
      docker tag "$IMAGE:latest" "$IMAGE:rolled-back" 2>/dev/null || true
      docker tag "$IMAGE:previous" "$IMAGE:latest"
      compose up -d --no-build --force-recreate byok-vault
      compose_wait_ready || return "$EXIT_DOWN"
      docker tag "$IMAGE:rolled-back" "$IMAGE:previous" 2>/dev/null || true
      return 0
      ;;
  esac
  say "checking the Compose file and its variables"
  compose config -q || { echo "error: docker-compose.keycloak.yml or its variables are not valid" >&2; return "$EXIT_CHECKS_FAILED"; }
  if [ "$DRY_RUN" = 1 ]; then
    local status=0
    dry_run || status=$?
    return "$status"
  fi
  check_deploy_variables || return $?
  say "starting PostgreSQL, Keycloak (realm import) and Redis unless they run"
  compose up -d postgres keycloak redis
  local had_previous=0
  if docker image inspect "$IMAGE:latest" >/dev/null 2>&1; then
    docker tag "$IMAGE:latest" "$IMAGE:previous"
    had_previous=1
  fi
  say "building the byok-vault image"
  compose build byok-vault || { echo "error: the image build failed; nothing was changed" >&2; return "$EXIT_CHECKS_FAILED"; }
  say "checking the environment and Keycloak from inside the Compose network (byok doctor)"
  local started=$SECONDS
  until compose run --rm --no-deps byok-vault node dist/cli/main.js doctor; do
    if (( SECONDS - started >= 300 )); then
      [ "$had_previous" = 1 ] && docker tag "$IMAGE:previous" "$IMAGE:latest"
      echo "error: the checks above failed; nothing was changed" >&2
      return "$EXIT_CHECKS_FAILED"
    fi
    say "Keycloak may still be starting (the first start imports the realm); retrying in 10 s"
    sleep 10
  done
  compose up -d --no-build byok-vault
  compose_wait_ready && { say "deployed"; return 0; }
  if [ "$had_previous" = 1 ]; then
    say "rolling back to the previous image"
    docker tag "$IMAGE:previous" "$IMAGE:latest"
    compose up -d --no-build --force-recreate byok-vault
    compose_wait_ready && { echo "error: the new image did not get ready; the previous one serves again" >&2; return "$EXIT_ROLLED_BACK"; }
  fi
  echo "error: the service is DOWN" >&2
  return "$EXIT_DOWN"
}
