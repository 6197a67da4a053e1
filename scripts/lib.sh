# Shared by dev.sh and test.sh: checks the machine and installs what the project needs.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { echo "error: $*" >&2; exit 1; }

require_node() {
  command -v node >/dev/null 2>&1 || fail "Node.js 20 or newer is needed (https://nodejs.org or Debian: apt-get install nodejs npm)."
  command -v npm >/dev/null 2>&1 || fail "npm is needed (Debian: apt-get install npm)."
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || fail "Node.js $major found; byok-vault needs 20 or newer."
}

# npm ci when node_modules is missing or was installed from another package-lock.json.
ensure_node_modules() {
  require_node
  local want have=""
  want="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  [ -f "$ROOT/node_modules/.byok-lock-sha256" ] && have="$(cat "$ROOT/node_modules/.byok-lock-sha256")"
  if [ "$want" != "$have" ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
    echo "$want" > "$ROOT/node_modules/.byok-lock-sha256"
  fi
}

# Installs Debian packages (as root, or through sudo). Waits for another apt-get/dpkg holding the
# lock (up to 10 minutes) instead of failing, and refreshes the package lists only when needed.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || { echo "apt-get is not available" >&2; return 1; }
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "not root and no sudo" >&2; return 1; }
    sudo="sudo"
  fi
  local apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -qq)
  "${apt[@]}" install "$@" >/dev/null 2>&1 || { "${apt[@]}" update >/dev/null && "${apt[@]}" install "$@" >/dev/null; }
}

# The legacy-migration tests make Fernet tokens with real Python `cryptography` (as the old ops
# center did). Debian's package, for the system Python: a pyenv or venv python3 on PATH lacks it.
PYTHON_FOR_TESTS="${BYOK_TEST_PYTHON:-/usr/bin/python3}"
ensure_python_cryptography() {
  if "$PYTHON_FOR_TESTS" -c 'import cryptography.fernet' >/dev/null 2>&1; then return; fi
  say "installing python3-cryptography (Debian package) for the legacy-migration tests"
  apt_install python3-cryptography || fail "$PYTHON_FOR_TESTS with the cryptography package is needed for the legacy-migration tests (Debian: apt-get install python3-cryptography)"
  "$PYTHON_FOR_TESTS" -c 'import cryptography.fernet' >/dev/null 2>&1 || fail "$PYTHON_FOR_TESTS still cannot import cryptography.fernet"
}

build() {
  say "building (tsc, and vite for the web UI into dist/ui)"
  (cd "$ROOT" && npx --no-install tsc -p tsconfig.build.json) || fail "the TypeScript build failed"
  (cd "$ROOT" && npx --no-install vite build --config ui/vite.config.ts --logLevel warn) || fail "the web UI build (vite) failed"
}

# Debian's Chromium for the browser tests (tests/e2e drive it with playwright-core; Playwright's own
# browser downloads cannot be used here). Installed with apt-get when missing (as root or via sudo).
CHROMIUM="${BYOK_CHROMIUM:-/usr/bin/chromium}"
ensure_chromium() {
  [ -x "$CHROMIUM" ] && return 0
  say "installing Chromium (apt-get install chromium) for the browser tests"
  apt_install chromium || fail "Chromium is needed for the browser tests: install it (Debian: apt-get install chromium) or set BYOK_CHROMIUM to its path"
  [ -x "$CHROMIUM" ] || fail "Chromium was installed but $CHROMIUM is missing; set BYOK_CHROMIUM to its path"
}

# A development KEK, made once and kept under .data/ so that development data stays readable.
dev_encryption_keys() {
  local file="$ROOT/.data/dev-encryption-keys"
  if [ ! -s "$file" ]; then
    mkdir -p "$ROOT/.data"
    (umask 077 && echo "1:$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))')" > "$file")
  fi
  cat "$file"
}

KC_STARTED=0

# Stops Keycloak instance $1 if start_keycloak_unless_running started it (idempotent).
stop_keycloak_if_started() {
  if [ "$KC_STARTED" = 1 ]; then "$ROOT/scripts/keycloak.sh" stop "$1" || true; KC_STARTED=0; fi
}

# Starts Keycloak instance $1 (dev|test) unless it already runs; sets KC_STARTED=1 when this call
# started it, so the caller stops only what it started.
start_keycloak_unless_running() {
  if "$ROOT/scripts/keycloak.sh" status "$1"; then
    say "Keycloak ($1) is already running; using it and leaving it running"
  else
    say "starting Keycloak ($1)"
    KC_STARTED=1
    "$ROOT/scripts/keycloak.sh" start "$1"
  fi
}

# Creates realm byok with the development data at Keycloak URL $1 (idempotent).
bootstrap_dev_realm() {
  say "bootstrapping realm byok (development data, idempotent)"
  KEYCLOAK_URL="$1" KEYCLOAK_ADMIN_USERNAME=admin KEYCLOAK_ADMIN_PASSWORD=admin \
    node "$ROOT/dist/cli/main.js" bootstrap-realm --dev --quiet
}

# Prints the command that can validate docker-compose.keycloak.yml without a Docker engine:
# "docker compose" (the v2 plugin) or "docker-compose" (Debian's 1.29, installed with apt-get when
# missing). Fails when neither can be had.
ensure_compose_validator() {
  if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then echo "docker compose"; return 0; fi
  if ! command -v docker-compose >/dev/null 2>&1; then
    say "installing docker-compose (Debian package) to validate docker-compose.keycloak.yml"
    apt_install docker-compose || return 1
  fi
  command -v docker-compose >/dev/null 2>&1 && echo "docker-compose"
}
