#!/usr/bin/env bash
# What deploy.sh's supervisor costs on the request path (docs/performance.md, "Deploys that drop
# nothing"): GET /healthz of `node dist/main.js` started directly, against the same build as a worker
# of the supervisor (a plain-process deployment in a temporary DEPLOY_DIR), in BENCH_ROUNDS (4)
# alternating rounds of BENCH_DURATION (6) seconds: keep-alive connections (autocannon, 50) and a new
# connection per request (scripts/bench-connections.mjs, 20 loops). Uses the test Keycloak
# (KC_HTTP_PORT, 18080 by default; started when not running) with realm byok, and dist/ as built.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_node_modules
[ -f dist/main.js ] || build
KEYCLOAK="http://127.0.0.1:${KC_HTTP_PORT:-18080}"
cleanup() {
  [ -n "${PLAIN_PID:-}" ] && kill "$PLAIN_PID" 2>/dev/null || true
  [ -n "${WORK:-}" ] && { env -i PATH="$PATH" HOME="$HOME" ./deploy.sh --env-file "$WORK/env" stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
  stop_keycloak_if_started test
}
trap cleanup EXIT
start_keycloak_unless_running test
bootstrap_dev_realm "$KEYCLOAK"

WORK="$(mktemp -d /tmp/byok-bench-supervisor.XXXXXX)"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'; }
PLAIN_PORT="$(free_port)"
SUPERVISED_PORT="$(free_port)"
cat > "$WORK/env" <<ENV
KEYCLOAK_URL=$KEYCLOAK
KEYCLOAK_REALM=byok
KEYCLOAK_CLIENT_ID=byok-service
KEYCLOAK_CLIENT_SECRET=dev-service-secret
ENCRYPTION_KEYS=1:$(node -e 'process.stdout.write(Buffer.alloc(32, 7).toString("base64"))')
HOST=127.0.0.1
PORT=$SUPERVISED_PORT
LOG_LEVEL=warn
AUDIT_LOG_FILE=$WORK/audit.jsonl
DEPLOY_MODE=process
DEPLOY_DIR=$WORK/deploy
DEPLOY_BUILD_CMD=cp -R dist "\$DEPLOY_RELEASE_DIR/dist"
ENV
say "deploying the build under the supervisor (port $SUPERVISED_PORT)"
env -i PATH="$PATH" HOME="$HOME" ./deploy.sh --env-file "$WORK/env" >/dev/null
say "starting the same build directly (port $PLAIN_PORT)"
(source scripts/deploy-lib.sh; export PORT="$PLAIN_PORT"; load_env_file "$WORK/env"; keep_only_service_environment dist \
  && exec node dist/main.js >"$WORK/plain.log" 2>&1) &
PLAIN_PID=$!
until curl -fsS -o /dev/null "http://127.0.0.1:$PLAIN_PORT/readyz" 2>/dev/null; do sleep 0.2; done

DURATION="${BENCH_DURATION:-6}"
keep_alive() { npx --no-install autocannon -c 50 -d "$DURATION" -j "http://127.0.0.1:$1/healthz" 2>/dev/null | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const r = JSON.parse(s);
  process.stdout.write(JSON.stringify({ rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, failed: r.errors + r.non2xx })); });'; }
echo "round | server | keep-alive req/s, p50, p99 ms, failed | new connection req/s, p50, p99 ms, failed"
# Which server goes first alternates: on a shared machine the second of a pair is often the slower.
for round in $(seq 1 "${BENCH_ROUNDS:-4}"); do
  order="plain supervised"; [ $((round % 2)) -eq 0 ] && order="supervised plain"
  for server in $order; do
    port="$PLAIN_PORT"; [ "$server" = supervised ] && port="$SUPERVISED_PORT"
    echo "$round | $server | $(keep_alive "$port") | $(node scripts/bench-connections.mjs "http://127.0.0.1:$port/healthz" "$DURATION" 20)"
  done
done
