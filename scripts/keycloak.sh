#!/usr/bin/env bash
# Fetches, installs, starts and stops the real Keycloak server distribution, without Docker.
#
#   scripts/keycloak.sh fetch                 download the pinned keycloak-quarkus-dist into the cache
#   scripts/keycloak.sh start <instance>      start an instance in the background and wait until ready
#   scripts/keycloak.sh stop <instance>       stop it (SIGTERM, then SIGKILL after 30 s)
#   scripts/keycloak.sh status <instance>     exit 0 when it runs and is ready
#   scripts/keycloak.sh reset <instance>      stop it and delete its data (not for "dev")
#
# Instances (each with its own copy of the distribution under .data/keycloak/<instance>, because
# Keycloak writes its build and data into its home):
#   dev     8080/9000    H2 files under .data/keycloak/dev, kept between runs
#   test    18080/19000  in-memory H2: a fresh realm each start
#   faults  28380/29380  H2 files, so that the fault-injection suite can stop Keycloak for real and
#                        start it again with its realm intact (scripts/test-faults.sh resets it first)
#   import  28480/29480  as docker-compose.keycloak.yml runs it: on PostgreSQL (the machine's
#                        127.0.0.1:5432, database KC_IMPORT_DB_NAME, default byok_keycloak_import, user
#                        KC_IMPORT_DB_USERNAME / KC_IMPORT_DB_PASSWORD, default postgres; `reset import`
#                        makes the database anew) with --import-realm of deploy/keycloak/byok-realm.json,
#                        whose placeholders Keycloak fills from the caller's KEYCLOAK_CLIENT_SECRET and
#                        PUBLIC_URL
# Every fixed port is below Linux's ephemeral range (32768-60999): a suite that has just opened
# thousands of client connections could otherwise hold the port as a connection's local end, and
# Keycloak would fail to start with "Address already in use" (seen after the deploy tests).
# Ports: KC_HTTP_PORT / KC_MGMT_PORT for dev and test; KC_FAULTS_HTTP_PORT / KC_FAULTS_MGMT_PORT and
# KC_IMPORT_HTTP_PORT / KC_IMPORT_MGMT_PORT for the others (their own variables, so that a run which
# moves the test instance does not move them onto the same ports).
#
# The download is cached outside the repo in ${BYOK_CACHE_DIR:-~/.cache/byok-vault}/keycloak/<version>/,
# verified by Maven against Central's checksums (strict), and checked again (sha256) before each install.
set -euo pipefail

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${BYOK_CACHE_DIR:-$HOME/.cache/byok-vault}/keycloak/$KEYCLOAK_VERSION"
TARBALL="$CACHE_DIR/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz"
ADMIN_USER="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}"
ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}"
START_TIMEOUT="${KC_START_TIMEOUT:-300}"

die() { echo "keycloak.sh: $*" >&2; exit 1; }
log() { echo "keycloak.sh: $*" >&2; }

require_tools() {
  command -v java >/dev/null 2>&1 || die "Java is missing. Keycloak $KEYCLOAK_VERSION needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)."
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1)"
  [ -n "$major" ] && [ "$major" -ge 17 ] || die "Java ${major:-?} found; Keycloak $KEYCLOAK_VERSION needs Java 17 or newer."
  command -v curl >/dev/null 2>&1 || die "curl is missing (Debian: apt-get install curl)."
}

instance_settings() {
  INSTANCE="$1"
  case "$INSTANCE" in
    dev)    PORT_VARS=KC; HTTP_PORT="${KC_HTTP_PORT:-8080}";         MGMT_PORT="${KC_MGMT_PORT:-9000}";         DB_MODE=dev-file ;;
    test)   PORT_VARS=KC; HTTP_PORT="${KC_HTTP_PORT:-18080}";        MGMT_PORT="${KC_MGMT_PORT:-19000}";        DB_MODE=dev-mem ;;
    faults) PORT_VARS=KC_FAULTS; HTTP_PORT="${KC_FAULTS_HTTP_PORT:-28380}"; MGMT_PORT="${KC_FAULTS_MGMT_PORT:-29380}"; DB_MODE=dev-file ;;
    import)
      PORT_VARS=KC_IMPORT; HTTP_PORT="${KC_IMPORT_HTTP_PORT:-28480}"; MGMT_PORT="${KC_IMPORT_MGMT_PORT:-29480}"; DB_MODE=postgres
      IMPORT_DB="${KC_IMPORT_DB_NAME:-byok_keycloak_import}"
      IMPORT_DB_USER="${KC_IMPORT_DB_USERNAME:-postgres}"
      IMPORT_DB_PASSWORD="${KC_IMPORT_DB_PASSWORD:-postgres}"
      ;;
    *) die "unknown instance '$INSTANCE' (dev, test, faults or import)" ;;
  esac
  HOME_DIR="$ROOT/.data/keycloak/$INSTANCE"
  PID_FILE="$HOME_DIR/keycloak.pid"
  LOG_FILE="$HOME_DIR/keycloak.log"
  URL="http://127.0.0.1:$HTTP_PORT"
  READY_URL="http://127.0.0.1:$MGMT_PORT/health/ready"
}

fetch() {
  if [ -f "$TARBALL" ] && [ -f "$TARBALL.sha256" ] && (cd "$CACHE_DIR" && sha256sum --quiet -c "$(basename "$TARBALL").sha256" 2>/dev/null); then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "Maven is missing; it downloads Keycloak from Maven Central (Debian: apt-get install maven)."
  mkdir -p "$CACHE_DIR"
  rm -f "$TARBALL" "$TARBALL.sha256"
  log "downloading org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz from Maven Central (about 180 MB) ..."
  # -C: fail on a checksum mismatch instead of warning.
  mvn -B -q -C -Dstyle.color=never "$DEPENDENCY_PLUGIN:copy" \
    "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" \
    "-DoutputDirectory=$CACHE_DIR" -Dmdep.overWriteReleases=true \
    || die "could not download Keycloak $KEYCLOAK_VERSION with Maven (is Maven Central reachable?)"
  [ -s "$TARBALL" ] || die "Maven reported success but $TARBALL is missing"
  tar -tzf "$TARBALL" >/dev/null || die "$TARBALL is not a valid tar.gz; delete $CACHE_DIR and retry"
  (cd "$CACHE_DIR" && sha256sum "$(basename "$TARBALL")" > "$(basename "$TARBALL").sha256")
  log "cached $TARBALL"
}

# Gives the instance its own copy of the distribution (re-made when the version or tarball changed).
install_instance() {
  fetch
  local stamp="$HOME_DIR/.byok-dist"
  local want
  want="$KEYCLOAK_VERSION $(cut -d' ' -f1 "$TARBALL.sha256")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$HOME_DIR/bin/kc.sh" ]; then
    return 0
  fi
  if [ -d "$HOME_DIR/data" ] && [ "$INSTANCE" = dev ]; then
    log "Keycloak version changed; keeping the development data in $HOME_DIR/data"
    mv "$HOME_DIR/data" "$ROOT/.data/keycloak/.dev-data-keep"
  fi
  rm -rf "$HOME_DIR"
  mkdir -p "$HOME_DIR"
  tar -xzf "$TARBALL" -C "$HOME_DIR" --strip-components=1
  grep -q "$KEYCLOAK_VERSION" "$HOME_DIR/version.txt" || die "the unpacked distribution is not version $KEYCLOAK_VERSION"
  if [ -d "$ROOT/.data/keycloak/.dev-data-keep" ] && [ "$INSTANCE" = dev ]; then
    mv "$ROOT/.data/keycloak/.dev-data-keep" "$HOME_DIR/data"
  fi
  echo "$want" > "$stamp"
}

is_running() {
  [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

group_alive() {
  pgrep -g "$1" >/dev/null 2>&1
}

is_ready() {
  curl -fsS -m 2 "$READY_URL" 2>/dev/null | grep -q '"status": *"UP"'
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  instance_settings "$1"
  require_tools
  if is_running; then
    wait_ready
    log "$INSTANCE instance already running at $URL (pid $(cat "$PID_FILE"))"
    return 0
  fi
  for port in "$HTTP_PORT" "$MGMT_PORT"; do
    port_in_use "$port" && die "port $port is taken by another process; stop it or set ${PORT_VARS}_HTTP_PORT/${PORT_VARS}_MGMT_PORT"
  done
  install_instance
  local db_args=(--db="$DB_MODE")
  if [ "$INSTANCE" = import ]; then
    mkdir -p "$HOME_DIR/data/import"
    cp "$ROOT/deploy/keycloak/byok-realm.json" "$HOME_DIR/data/import/"
    db_args+=(--db-url="jdbc:postgresql://127.0.0.1:5432/$IMPORT_DB" --db-username="$IMPORT_DB_USER" --db-password="$IMPORT_DB_PASSWORD" --import-realm)
  fi
  log "starting Keycloak $KEYCLOAK_VERSION ($INSTANCE) at $URL; the first start builds it and takes about 2 minutes"
  # setsid: its own process group, so a Ctrl-C in the caller's terminal reaches it only through us.
  KC_BOOTSTRAP_ADMIN_USERNAME="$ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  JAVA_OPTS_KC_HEAP="${KC_HEAP:--Xms128m -Xmx1g}" \
    setsid "$HOME_DIR/bin/kc.sh" start-dev \
      --http-host=127.0.0.1 --http-port="$HTTP_PORT" \
      --hostname="$URL" \
      --health-enabled=true --http-management-port="$MGMT_PORT" \
      "${db_args[@]}" \
      >"$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  wait_ready
}

wait_ready() {
  local started=$SECONDS
  until is_ready; do
    if ! is_running; then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "Keycloak ($INSTANCE) exited during start-up; log: $LOG_FILE"
    fi
    if (( SECONDS - started > START_TIMEOUT )); then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "Keycloak ($INSTANCE) not ready after ${START_TIMEOUT}s; log: $LOG_FILE"
    fi
    sleep 1
  done
  log "$INSTANCE instance ready at $URL after $(( SECONDS - started ))s"
}

stop() {
  instance_settings "$1"
  if ! is_running; then
    rm -f "$PID_FILE"
    return 0
  fi
  local pid
  pid="$(cat "$PID_FILE")"
  # kc.sh was started with setsid: its process group holds kc.sh and the JVM it launched.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do
    group_alive "$pid" || break
    sleep 1
  done
  if group_alive "$pid"; then
    log "Keycloak ($INSTANCE) did not stop in 30s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "$INSTANCE instance stopped"
}

# A fresh start for a disposable instance: its H2 files (realms, users) go, the installed
# distribution stays (so the next start skips the unpacking).
reset() {
  instance_settings "$1"
  [ "$INSTANCE" != dev ] || die "refusing to reset the dev instance: its data is the developer's"
  stop "$1"
  rm -rf "$HOME_DIR/data"
  if [ "$INSTANCE" = import ]; then
    command -v psql >/dev/null 2>&1 || die "psql is needed to make the import instance's database (Debian: apt-get install postgresql-client)"
    [[ "$IMPORT_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "KC_IMPORT_DB_NAME must be a plain lower-case name"
    PGPASSWORD="$IMPORT_DB_PASSWORD" PGOPTIONS=--client-min-messages=warning psql -h 127.0.0.1 -U "$IMPORT_DB_USER" -d postgres -q -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS $IMPORT_DB" -c "CREATE DATABASE $IMPORT_DB" >/dev/null \
      || die "could not make database $IMPORT_DB on PostgreSQL at 127.0.0.1:5432"
  fi
  log "$INSTANCE instance data removed"
}

case "${1:-}" in
  fetch) require_tools; fetch ;;
  start) start "${2:?instance}" ;;
  stop) stop "${2:?instance}" ;;
  reset) reset "${2:?instance}" ;;
  status) instance_settings "${2:?instance}"; is_running && is_ready ;;
  url) instance_settings "${2:?instance}"; echo "$URL" ;;
  *) die "usage: keycloak.sh fetch | start <instance> | stop <instance> | reset <instance> | status <instance> | url <instance> (instance: dev, test, faults or import)" ;;
esac
