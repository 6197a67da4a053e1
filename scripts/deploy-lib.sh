# The plain-process deployment of byok-vault (docs/operations.md), sourced by deploy.sh after scripts/lib.sh.
# shellcheck shell=bash
#
# Layout under DEPLOY_DIR (default .data/deploy):
#   releases/<id>/        one build: dist/ (tsc + vite), package.json, node_modules (hard-linked
#                         snapshot of the project's, so a later npm ci cannot change an old release)
#   current -> releases/<id>    the release that serves (or last served)
#   previous -> releases/<id>   the one before it: where a failed deploy and `rollback` go back to
#   byok-vault.pid        the supervisor's pid (a plain process's, for a release from before it)
#   supervisor.mjs, supervisor.sock   the supervisor's code (copied from the release that started
#                         it) and its control socket (src/deploy/supervisor.ts)
#   byok-vault.log (DEPLOY_LOG_FILE), running (the id of the release that serves)
#
# A release is never modified after its build; switching is moving two symlinks. The service runs as
# a node:cluster worker of the supervisor, which keeps the port open across a switch: the new
# release's worker takes connections once ready, then the old one drains (no request fails).

EXIT_CHECKS_FAILED=1   # validation or build failed; nothing was stopped or changed
EXIT_ROLLED_BACK=2     # the new release did not get ready; the previous one serves again
EXIT_DOWN=3            # not ready and nothing could be brought back: the service is down
EXIT_USAGE=64

deploy_settings() {
  DEPLOY_DIR="${DEPLOY_DIR:-$ROOT/.data/deploy}"
  case "$DEPLOY_DIR" in /*) ;; *) DEPLOY_DIR="$ROOT/$DEPLOY_DIR" ;; esac
  RELEASES_DIR="$DEPLOY_DIR/releases"
  PID_FILE="$DEPLOY_DIR/byok-vault.pid"
  RUNNING_FILE="$DEPLOY_DIR/running"
  SUPERVISOR_FILE="$DEPLOY_DIR/supervisor.mjs"
  SUPERVISOR_SOCKET="$DEPLOY_DIR/supervisor.sock"
  LOG_FILE="${DEPLOY_LOG_FILE:-$DEPLOY_DIR/byok-vault.log}"
  case "$LOG_FILE" in /*) ;; *) LOG_FILE="$ROOT/$LOG_FILE" ;; esac
  READY_TIMEOUT="${DEPLOY_READY_TIMEOUT:-60}"
  STOP_TIMEOUT="${DEPLOY_STOP_TIMEOUT:-30}"
  KEEP_RELEASES="${DEPLOY_KEEP_RELEASES:-5}"
  DEPLOY_MODE="${DEPLOY_MODE:-auto}"
  # The service binds HOST; readiness is asked on loopback when it binds every interface.
  local host="${HOST:-127.0.0.1}"
  case "$host" in 0.0.0.0|::|'[::]') host=127.0.0.1 ;; esac
  case "$host" in *:*) host="[$host]" ;; esac
  SERVICE_URL="http://$host:${PORT:-8787}"
}

# Problems with deploy.sh's own variables, one line each on stdout (the service's are byok doctor's).
deploy_variable_problems() {
  local name value
  for name in DEPLOY_READY_TIMEOUT DEPLOY_STOP_TIMEOUT; do
    value="${!name:-}"
    [ -z "$value" ] && continue
    [[ "$value" =~ ^[0-9]+$ ]] && [ "$value" -ge 1 ] && [ "$value" -le 3600 ] \
      || echo "FAIL  deploy         $name must be a whole number of seconds from 1 to 3600"
  done
  value="${DEPLOY_KEEP_RELEASES:-}"
  if [ -n "$value" ] && ! { [[ "$value" =~ ^[0-9]+$ ]] && [ "$value" -ge 2 ] && [ "$value" -le 100 ]; }; then
    echo "FAIL  deploy         DEPLOY_KEEP_RELEASES must be a whole number from 2 to 100 (the current and the previous release are always kept)"
  fi
  case "${DEPLOY_MODE:-auto}" in
    auto|process|compose) ;;
    *) echo "FAIL  deploy         DEPLOY_MODE must be auto, process or compose" ;;
  esac
  # PORT is checked by byok doctor too; deploy.sh needs it to find /readyz, and 0 (any free port) cannot be found.
  if [ "${PORT:-}" = 0 ]; then echo "FAIL  deploy         PORT must be a fixed port for a deployment (0 picks a random one)"; fi
  return 0
}

# Before a deploy: deploy.sh's own variables (the service's are checked by byok doctor of the new build).
check_deploy_variables() {
  local problems
  problems="$(deploy_variable_problems)"
  [ -z "$problems" ] && return 0
  echo "$problems"
  echo "error: the checks above failed; nothing was stopped or changed" >&2
  return "$EXIT_CHECKS_FAILED"
}

# --dry-run, in either mode: every problem in one run, one line each: byok doctor of the checked-out
# build (built first when missing: the service's variables, ENCRYPTION_KEYS, Keycloak, the service
# token, reading users, the user profile policy), then deploy.sh's own variables. Starts nothing.
dry_run() {
  local problems status=0
  problems="$(deploy_variable_problems)"
  ensure_node_modules
  [ -f "$ROOT/dist/cli/main.js" ] || build
  say "checking the environment and Keycloak (byok doctor${ENV_FILE:+, $ENV_FILE})"
  # With the environment the service would get (see start_release), so the check is of what it runs with.
  (keep_only_service_environment "$ROOT/dist" && exec node "$ROOT/dist/cli/main.js" doctor) || status=1
  [ -z "$problems" ] || { echo "$problems"; status=1; }
  if [ "$status" -ne 0 ]; then
    echo "error: dry run: the checks above failed" >&2
    return "$EXIT_CHECKS_FAILED"
  fi
  say "dry run: all checks passed; nothing was built or started"
}

# Reads KEY=VALUE lines (Compose's .env format: no shell evaluation, optional quotes, # comments).
# A variable already set in the environment wins, as with Compose; an empty value means "the default".
load_env_file() {
  local file="$1" line key value
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    [[ -z "$line" || "$line" == \#* ]] && continue
    line="${line#export }"
    [[ "$line" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || fail "$file: not a KEY=VALUE line: ${line%%=*}"
    key="${line%%=*}"
    value="${line#*=}"
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    [ -z "$value" ] && continue
    [ -n "${!key+x}" ] && continue
    export "$key=$value"
  done < "$file"
}

# The release directory link $1 (current, previous) names; nothing when the link is absent or dangling
# (readlink -f alone would print the link's own path for a link that does not exist yet).
release_path() { [ -e "$DEPLOY_DIR/$1" ] && readlink -f "$DEPLOY_DIR/$1" 2>/dev/null || true; }
release_id() { local path; path="$(release_path "$1")"; [ -z "$path" ] || basename "$path"; }

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

is_ready() { curl -fsS -m 3 -o /dev/null "$SERVICE_URL/readyz" 2>/dev/null; }
port_answers() { curl -sS -m 2 -o /dev/null "$SERVICE_URL/healthz" 2>/dev/null; }

# A new, empty release directory named after the time and the commit.
new_release_dir() {
  local sha id dir n=0
  sha="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo nogit)"
  git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || sha="$sha-dirty"
  id="$(date -u +%Y%m%dT%H%M%SZ)-$sha"
  dir="$RELEASES_DIR/$id"
  while [ -e "$dir" ]; do n=$((n + 1)); dir="$RELEASES_DIR/$id.$n"; done
  mkdir -p "$dir"
  echo "$dir"
}

# Builds into release directory $1: dist/ (tsc and vite), package.json, node_modules.
# DEPLOY_BUILD_CMD replaces the tsc + vite step (run by bash in the project directory, with
# DEPLOY_RELEASE_DIR set; it must leave DEPLOY_RELEASE_DIR/dist/main.js).
build_release() {
  local dir="$1"
  ensure_node_modules
  if [ -n "${DEPLOY_BUILD_CMD:-}" ]; then
    say "building into $dir (DEPLOY_BUILD_CMD)"
    (cd "$ROOT" && DEPLOY_RELEASE_DIR="$dir" bash -c "$DEPLOY_BUILD_CMD") || return 1
  else
    say "building into $dir (tsc, and vite for the web UI)"
    (cd "$ROOT" && npx --no-install tsc -p tsconfig.build.json --outDir "$dir/dist") || return 1
    (cd "$ROOT" && npx --no-install vite build --config ui/vite.config.ts --logLevel warn --outDir "$dir/dist/ui" --emptyOutDir) || return 1
  fi
  [ -f "$dir/dist/main.js" ] || { echo "the build left no dist/main.js" >&2; return 1; }
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$dir/"
  # Hard links: a snapshot that costs no copy; npm ci replaces files rather than writing into them.
  cp -al "$ROOT/node_modules" "$dir/node_modules" 2>/dev/null || cp -a "$ROOT/node_modules" "$dir/node_modules" || return 1
}

# Starts release directory $1 in the background (own process group, pid file, log file).
start_release() {
  local dir="$1" pid
  mkdir -p "$(dirname "$LOG_FILE")"
  printf '%s deploy.sh: starting release %s\n' "$(date -u +%FT%TZ)" "$(basename "$dir")" >>"$LOG_FILE"
  # Relative paths of the environment (AUDIT_LOG_FILE, UI_DIR) are taken from the project directory.
  # The service gets its own variables only: not the env file's admin credentials or legacy key.
  (cd "$ROOT" && keep_only_service_environment "$dir/dist" && exec setsid node "$dir/dist/main.js" >>"$LOG_FILE" 2>&1 </dev/null) &
  pid=$!
  echo "$pid" > "$PID_FILE"
  basename "$dir" > "$RUNNING_FILE"
  say "started release $(basename "$dir") (pid $pid, log $LOG_FILE)"
}

# Stops the running instance: SIGTERM (graceful: the service finishes requests and flushes usage;
# the supervisor passes it to its workers and waits for them), SIGKILL of its process group after
# DEPLOY_STOP_TIMEOUT seconds (and a few more for the supervisor, which kills late workers itself).
# SIGTERM goes to the pid alone: a worker that got it twice would not stop gracefully.
stop_running() {
  local pid
  pid="$(running_pid)" || { rm -f "$PID_FILE" "$RUNNING_FILE"; return 0; }
  say "stopping release $(cat "$RUNNING_FILE" 2>/dev/null || echo '?') (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT + 5))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid did not stop in ${STOP_TIMEOUT}s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$PID_FILE" "$RUNNING_FILE"
}

# Waits until the started instance answers /readyz with 200; fails early when it exits.
wait_ready() {
  local started=$SECONDS pid
  pid="$(cat "$PID_FILE")"
  while :; do
    if is_ready; then say "ready at $SERVICE_URL after $((SECONDS - started))s"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the service exited during start-up; the end of its log ($LOG_FILE):" >&2
      tail -n 15 "$LOG_FILE" >&2 || true
      return 1
    fi
    if (( SECONDS - started >= READY_TIMEOUT )); then
      echo "not ready within ${READY_TIMEOUT}s (DEPLOY_READY_TIMEOUT); /readyz answered: $(curl -sS -m 3 "$SERVICE_URL/readyz" 2>&1 | head -c 300)" >&2
      return 1
    fi
    sleep 1
  done
}

set_link() { ln -sfn "releases/$(basename "$2")" "$DEPLOY_DIR/$1.tmp" && mv -Tf "$DEPLOY_DIR/$1.tmp" "$DEPLOY_DIR/$1"; }

# Removes releases beyond DEPLOY_KEEP_RELEASES, oldest first, never current or previous.
prune_releases() {
  local current previous release
  current="$(release_id current)"
  previous="$(release_id previous)"
  # Release ids start with a UTC timestamp: name order is age order.
  local all=()
  mapfile -t all < <(ls -1 "$RELEASES_DIR" 2>/dev/null | sort)
  local excess=$(( ${#all[@]} - KEEP_RELEASES ))
  for release in "${all[@]}"; do
    [ "$excess" -le 0 ] && break
    [ "$release" = "$current" ] || [ "$release" = "$previous" ] && continue
    rm -rf "${RELEASES_DIR:?}/$release"
    excess=$((excess - 1))
  done
}

# ---- The supervisor (src/deploy/supervisor.ts) ---------------------------------------------------

# Whether release directory $1 runs under the supervisor: releases built before it existed run as a
# plain process, as they did (a rollback to one closes the port while it starts).
release_supervised() { [ -f "$1/dist/deploy/supervisor.js" ]; }

# The supervisor's client; exit codes: EXIT in src/deploy/supervisor.ts (0 switched or serving,
# 1 nothing serves, 10 the new worker exited, 11 not ready in time, 12 refused, 13 no supervisor).
supervisor_client() { node "$SUPERVISOR_FILE" "$@" --dir "$DEPLOY_DIR"; }

supervisor_answers() {
  local code=0
  [ -S "$SUPERVISOR_SOCKET" ] && [ -f "$SUPERVISOR_FILE" ] || return 1
  supervisor_client status >/dev/null 2>&1 || code=$?
  [ "$code" -ne 13 ]
}

# A worker of the supervisor serves.
supervisor_serving() { [ -f "$SUPERVISOR_FILE" ] && supervisor_client status >/dev/null 2>&1; }

# Starts the supervisor with the code of release directory $1 (own process group, pid file, the
# service's log file). It gets no secret, only PATH and HOME: every switch hands the service's
# environment to the workers it starts.
start_supervisor() {
  local dir="$1" pid started=$SECONDS
  [ "${#SUPERVISOR_SOCKET}" -le 100 ] || { echo "error: DEPLOY_DIR is too long for a Unix socket path ($SUPERVISOR_SOCKET); use a shorter one" >&2; return 1; }
  mkdir -p "$(dirname "$LOG_FILE")"
  cp "$dir/dist/deploy/supervisor.js" "$SUPERVISOR_FILE.tmp" && mv -f "$SUPERVISOR_FILE.tmp" "$SUPERVISOR_FILE" || return 1
  printf '%s deploy.sh: starting the supervisor (code of release %s)\n' "$(date -u +%FT%TZ)" "$(basename "$dir")" >>"$LOG_FILE"
  (cd "$ROOT" && exec setsid env -i PATH="$PATH" HOME="${HOME:-/}" node "$SUPERVISOR_FILE" run --dir "$DEPLOY_DIR" --stop-timeout "$STOP_TIMEOUT" >>"$LOG_FILE" 2>&1 </dev/null) &
  pid=$!
  echo "$pid" > "$PID_FILE"
  rm -f "$RUNNING_FILE"
  until supervisor_answers; do
    if ! kill -0 "$pid" 2>/dev/null || (( SECONDS - started >= 15 )); then
      echo "error: the supervisor did not start; the end of its log ($LOG_FILE):" >&2
      tail -n 5 "$LOG_FILE" >&2 || true
      stop_running
      return 1
    fi
    sleep 0.2
  done
  say "started the supervisor (pid $pid, log $LOG_FILE)"
}

# Hands release directory $1 to the supervisor: a worker of it starts, takes connections once ready,
# and then the old workers drain. Returns the client's exit code.
supervisor_switch() {
  local dir="$1" code=0 figures ready_ms drain_ms drained
  # Locals: keep_only_service_environment unsets the exported DEPLOY_* of the env file.
  local client="$SUPERVISOR_FILE" deploy_dir="$DEPLOY_DIR" ready="$READY_TIMEOUT" stop="$STOP_TIMEOUT"
  printf '%s deploy.sh: switching to release %s\n' "$(date -u +%FT%TZ)" "$(basename "$dir")" >>"$LOG_FILE"
  # The client passes its own environment on to the new worker: the service's variables only, as
  # start_release gives them; relative paths (AUDIT_LOG_FILE, UI_DIR) are from the project directory.
  figures="$(cd "$ROOT" && keep_only_service_environment "$dir/dist" \
    && exec node "$client" switch --dir "$deploy_dir" --release "$dir" --ready-timeout "$ready" --stop-timeout "$stop")" || code=$?
  case "$code" in
    0)
      basename "$dir" > "$RUNNING_FILE"
      ready_ms="$(sed -n 's/.*ready_ms=\([0-9]*\).*/\1/p' <<<"$figures")"
      drain_ms="$(sed -n 's/.*drain_ms=\([0-9]*\).*/\1/p' <<<"$figures")"
      drained="$(sed -n 's/.*drained=\([0-9]*\).*/\1/p' <<<"$figures")"
      if [ "${drained:-0}" -gt 0 ]; then
        say "ready at $SERVICE_URL after ${ready_ms:-?} ms; the old release drained in ${drain_ms:-?} ms, the port open throughout"
      else
        say "ready at $SERVICE_URL after ${ready_ms:-?} ms"
      fi
      ;;
    10)
      echo "the service exited during start-up; the end of its log ($LOG_FILE):" >&2
      tail -n 15 "$LOG_FILE" >&2 || true
      ;;
  esac
  return "$code"
}

# Brings release directory $1 up: under the supervisor (started first when none runs), or, for a
# release from before it, as a plain process after stopping what runs.
bring_up() {
  local dir="$1"
  if release_supervised "$dir"; then
    if ! supervisor_answers; then
      if running_pid >/dev/null; then
        say "a plain process from before the supervisor runs: stopping it first (this once, the port closes while the new release starts)"
        stop_running
      fi
      start_supervisor "$dir" || return 1
    fi
    supervisor_switch "$dir"
  else
    say "release $(basename "$dir") predates the supervisor: it runs as a plain process, and the port closes while it starts"
    stop_running
    start_release "$dir"
    wait_ready
  fi
}

# Switches to release directory $1; when it does not get ready and nothing serves any more, starts
# release directory $2 (if given) again. Returns 0 (release $1 serves), EXIT_ROLLED_BACK (the
# previous release serves: under the supervisor it never stopped) or EXIT_DOWN (nothing runs).
switch_release() {
  local target="$1" fallback="$2"
  bring_up "$target" && return 0
  echo "error: release $(basename "$target") did not get ready" >&2
  # Under the supervisor the old workers serve until the new one is ready: nothing to bring back.
  if supervisor_serving; then return "$EXIT_ROLLED_BACK"; fi
  stop_running
  if [ -n "$fallback" ] && [ "$fallback" != "$target" ] && [ -f "$fallback/dist/main.js" ]; then
    say "rolling back: starting release $(basename "$fallback") again"
    bring_up "$fallback" && return "$EXIT_ROLLED_BACK"
    stop_running
  fi
  return "$EXIT_DOWN"
}

process_deploy() {
  mkdir -p "$RELEASES_DIR"
  if ! running_pid >/dev/null && port_answers; then
    fail "something that is not this deployment answers at $SERVICE_URL; stop it or set PORT (nothing was changed)"
  fi
  local new old
  new="$(new_release_dir)"
  if ! build_release "$new"; then
    rm -rf "$new"
    echo "error: the build failed; nothing was stopped or changed" >&2
    exit "$EXIT_CHECKS_FAILED"
  fi
  say "checking the environment and Keycloak with the new release (byok doctor)"
  if ! (keep_only_service_environment "$new/dist" && exec node "$new/dist/cli/main.js" doctor); then
    rm -rf "$new"
    echo "error: the checks above failed; nothing was stopped or changed" >&2
    exit "$EXIT_CHECKS_FAILED"
  fi
  # What served until now: the running release, else the last one that did.
  old="$(release_path current)"
  if [ -f "$RUNNING_FILE" ] && running_pid >/dev/null; then old="$RELEASES_DIR/$(cat "$RUNNING_FILE")"; fi
  local outcome=0
  switch_release "$new" "$old" || outcome=$?
  if [ "$outcome" -eq 0 ]; then
    # The first deploy has no previous release: no `previous` link rather than one to nothing.
    [ -n "$old" ] && [ -d "$old" ] && [ "$old" != "$new" ] && set_link previous "$old"
    set_link current "$new"
    prune_releases
    say "deployed release $(basename "$new")"
    if release_supervised "$new" && [ -f "$SUPERVISOR_FILE" ] && ! cmp -s "$new/dist/deploy/supervisor.js" "$SUPERVISOR_FILE"; then
      say "note: the supervisor's code changed in this release; the running supervisor stays until ./deploy.sh stop and the next deploy (the port closes in between)"
    fi
    exit 0
  fi
  mv "$new" "$new.failed" 2>/dev/null || true
  if [ "$outcome" -eq "$EXIT_ROLLED_BACK" ]; then
    echo "error: rolled back: release $(basename "$old") serves again at $SERVICE_URL; the failed build is kept in $new.failed" >&2
  else
    echo "error: no previous release could be brought back; the service is DOWN" >&2
  fi
  exit "$outcome"
}

# `deploy.sh rollback`: back to the previous release; current and previous swap.
process_rollback() {
  local current previous
  current="$(release_path current)"
  previous="$(release_path previous)"
  [ -n "$previous" ] && [ -d "$previous" ] || fail "there is no previous release to roll back to"
  local outcome=0
  switch_release "$previous" "$current" || outcome=$?
  case "$outcome" in
    0)
      set_link current "$previous"
      [ -n "$current" ] && set_link previous "$current"
      say "rolled back to release $(basename "$previous")"
      ;;
    "$EXIT_ROLLED_BACK") echo "error: release $(basename "$previous") did not get ready; release $(basename "$current") serves again" >&2 ;;
    *) echo "error: neither release got ready; the service is DOWN" >&2 ;;
  esac
  exit "$outcome"
}

process_status() {
  local pid code=0
  echo "deploy dir:  $DEPLOY_DIR"
  echo "current:     $(release_id current || true)"
  echo "previous:    $(release_id previous || true)"
  if pid="$(running_pid)" && supervisor_answers; then
    echo "running:     release $(cat "$RUNNING_FILE" 2>/dev/null || echo '?'), supervisor pid $pid, log $LOG_FILE"
    # One line per worker (two while a switch drains the old one), and a pending restart.
    supervisor_client status 2>&1 | tail -n +2 | sed '1s/^/workers:     /; 2,$s/^/             /' || true
    if is_ready; then echo "ready:       yes ($SERVICE_URL/readyz)"; else echo "ready:       NO ($SERVICE_URL/readyz)"; code=1; fi
  elif pid="$(running_pid)"; then
    echo "running:     release $(cat "$RUNNING_FILE" 2>/dev/null || echo '?'), pid $pid (a plain process), log $LOG_FILE"
    if is_ready; then echo "ready:       yes ($SERVICE_URL/readyz)"; else echo "ready:       NO ($SERVICE_URL/readyz)"; code=1; fi
  else
    echo "running:     no"
    code=1
  fi
  return "$code"
}
