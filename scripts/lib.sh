# Shared by dev.sh and test.sh: checks the machine and installs what the project needs.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { echo "error: $*" >&2; exit 1; }

# Node.js 24 (the LTS line) for every script, the tests and CI. The machine's own node is used as is
# when it is 24 or newer; otherwise a pinned Node 24 from the npm registry's binary package
# node-linux-<arch> (fetched with `npm pack`, which checks the registry's integrity, and checked
# again here against the integrity pinned below), cached outside the repo in
# ${BYOK_CACHE_DIR:-~/.cache/byok-vault}/node/<version>/ with a sha256 stamp that is checked before
# every use, and put first on PATH. npm and npx are the machine's, and run under that node.
NODE_MAJOR=24
NODE_PIN_VERSION=24.22.3
node_pin_integrity() {
  case "$1" in
    x64) echo 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' ;;
    arm64) echo 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==' ;;
  esac
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Fetches the pinned node into its cache directory $1 (under a lock: scripts running at once share one
# download; the binary appears there only complete and checked).
fetch_pinned_node() {
  local dir="$1" arch package integrity tmp tarball got
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) arch="" ;; esac
  [ "$(uname -s)" = Linux ] && [ -n "$arch" ] \
    || fail "Node.js $NODE_MAJOR or newer is needed and no pinned build exists for $(uname -s) $(uname -m); install Node.js $NODE_MAJOR (https://nodejs.org)"
  command -v npm >/dev/null 2>&1 \
    || fail "Node.js $NODE_MAJOR or newer is needed; to fetch it the scripts need npm (any Node.js with npm: Debian apt-get install nodejs npm), or install Node.js $NODE_MAJOR (https://nodejs.org)"
  package="node-linux-$arch@$NODE_PIN_VERSION"
  integrity="$(node_pin_integrity "$arch")"
  mkdir -p "$(dirname "$dir")"
  tmp="$(mktemp -d "$(dirname "$dir")/.fetch.XXXXXX")"
  say "fetching Node.js $NODE_PIN_VERSION ($package from the npm registry, about 30 MB) into $dir"
  tarball="$(cd "$tmp" && npm pack "$package" --silent --no-audit --no-fund 2>/dev/null | tail -n 1)" \
    && [ -s "$tmp/$tarball" ] || { rm -rf "$tmp"; fail "could not download $package with npm pack (is the npm registry reachable?)"; }
  # npm (and so node, of whatever version) is there: it computes the integrity the registry states.
  got="$(node -e 'process.stdout.write("sha512-" + require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tmp/$tarball")"
  [ "$got" = "$integrity" ] || { rm -rf "$tmp"; fail "$package does not match the integrity pinned in scripts/lib.sh; not using it"; }
  tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node || { rm -rf "$tmp"; fail "$tarball holds no bin/node"; }
  [ "$("$tmp/package/bin/node" --version 2>/dev/null)" = "v$NODE_PIN_VERSION" ] \
    || { rm -rf "$tmp"; fail "the node in $package does not run here or is not v$NODE_PIN_VERSION"; }
  rm -rf "$dir"
  mkdir -p "$tmp/install/bin"
  mv "$tmp/package/bin/node" "$tmp/install/bin/node"
  (cd "$tmp/install" && sha256sum bin/node > node.sha256)
  mv -T "$tmp/install" "$dir"
  rm -rf "$tmp"
}

# Puts a Node.js >= NODE_MAJOR first on PATH (see above); exported, so child processes get it too.
ensure_node() {
  if command -v node >/dev/null 2>&1 && [ "$(node_major)" -ge "$NODE_MAJOR" ]; then
    command -v npm >/dev/null 2>&1 || fail "npm is needed (Debian: apt-get install npm)."
    return 0
  fi
  local dir="${BYOK_CACHE_DIR:-$HOME/.cache/byok-vault}/node/$NODE_PIN_VERSION"
  if ! (cd "$dir" 2>/dev/null && sha256sum --quiet -c node.sha256 >/dev/null 2>&1); then
    mkdir -p "$(dirname "$dir")"
    (
      flock 9
      (cd "$dir" 2>/dev/null && sha256sum --quiet -c node.sha256 >/dev/null 2>&1) || fetch_pinned_node "$dir"
    ) 9>"$(dirname "$dir")/.lock" || exit 1
  fi
  export PATH="$dir/bin:$PATH"
  hash -r
  [ "$(node_major)" -ge "$NODE_MAJOR" ] || fail "$dir/bin/node does not run"
  command -v npm >/dev/null 2>&1 || fail "npm is needed (Debian: apt-get install npm)."
}

# npm ci when node_modules is missing or was installed from another package-lock.json.
ensure_node_modules() {
  ensure_node
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

# Unsets, in the calling (sub)shell, every exported variable the service does not read, so that the
# service process it starts next gets only its configuration and what Node reads (the list is
# src/config/service-environment.ts of the build in $1, e.g. dist): the Keycloak master-admin
# credentials and the legacy Fernet key of an env file stay with the tools that need them. A build
# from before that module (an old release rolled back to) gets the operator-only variables removed.
keep_only_service_environment() {
  local module="$1/config/service-environment.js" foreign name
  if [ -f "$module" ]; then
    foreign="$(node --input-type=module -e '
      const { pathToFileURL } = await import("node:url");
      const { foreignVariables } = await import(pathToFileURL(process.argv[1]).href);
      process.stdout.write(foreignVariables(Object.keys(process.env)).join("\n"));
    ' "$module")" || { echo "error: could not read the service's variables from $module" >&2; return 1; }
  else
    foreign="KEYCLOAK_ADMIN_USERNAME KEYCLOAK_ADMIN_PASSWORD KEYCLOAK_ADMIN_REALM LEGACY_ENCRYPTION_KEY KEYCLOAK_DB_PASSWORD"
  fi
  for name in $foreign; do
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && unset "$name" 2>/dev/null || true
  done
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
