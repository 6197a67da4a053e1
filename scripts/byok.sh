#!/usr/bin/env bash
# `npm run byok -- <command>`: the byok command from this checkout. On a fresh clone (no dist/) or
# when a file under src/ is newer than the build, it installs the npm packages if missing and
# compiles the TypeScript first (tsc only: the commands do not need the web UI), then runs
# dist/cli/main.js with the arguments. Build messages go to stderr; stdout is the command's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENTRY="$ROOT/dist/cli/main.js"
stale() {
  [ -f "$ENTRY" ] || return 0
  [ -n "$(find "$ROOT/src" "$ROOT/tsconfig.build.json" "$ROOT/package.json" -newer "$ENTRY" -print -quit 2>/dev/null)" ]
}

# Node 24 itself looks for a file named after --env-file anywhere on its command line and exits 9
# when it is missing, before the command could say so; say it here the way the command would.
prev=""
for arg in "$@"; do
  [ "$arg" = "--" ] && break
  file=""
  case "$arg" in --env-file=*) file="${arg#--env-file=}" ;; esac
  [ "$prev" = "--env-file" ] && file="$arg"
  if [ -n "$file" ] && [ ! -r "$file" ]; then echo "byok: cannot read env file $file: ENOENT" >&2; exit 1; fi
  prev="$arg"
done

ensure_node
if stale; then
  ensure_node_modules
  if [ -f "$ENTRY" ]; then say "src/ changed since the last build: compiling the byok command (tsc)"; else say "no build yet (fresh clone): compiling the byok command (tsc)"; fi
  (cd "$ROOT" && npx --no-install tsc -p tsconfig.build.json) || fail "the TypeScript build failed; nothing was run"
  touch "$ENTRY"
fi
exec node "$ENTRY" "$@"
